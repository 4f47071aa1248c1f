// Renders a Vega-Lite spec to PNG: vega-lite compiles, vega renders SVG headless, resvg rasterises
// (with the system fonts). No browser, no canvas package.
//
//   renderPng(spec, scale?): Promise<Buffer>
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

export async function renderPng(spec: Record<string, unknown>, scale = 2): Promise<Buffer> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(scale);
  view.finalize();
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
