// Bundles every function declared in template.yaml into dist/<name>/index.mjs: ESM, minified,
// tree-shaken, with source maps and Node built-ins left external, as SAM's esbuild build does.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type FunctionSpec, loadTemplate } from '../local/template.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function bundlePath(fn: FunctionSpec): string {
  return path.join(ROOT, 'dist', fn.name, 'index.mjs');
}

function options(fn: FunctionSpec): esbuild.BuildOptions {
  return {
    entryPoints: [path.join(ROOT, fn.entry)],
    outfile: bundlePath(fn),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    treeShaking: true,
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    // Some dependencies are CommonJS and call require(); ESM bundles need it defined.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  };
}

export async function buildAll(opts: { template?: string; watch?: boolean; onRebuild?: (fn: string) => void } = {}) {
  const fns = loadTemplate(opts.template ?? path.join(ROOT, 'template.yaml'));
  const results: Array<{ name: string; bytes: number }> = [];
  for (const fn of fns) {
    if (opts.watch) {
      const ctx = await esbuild.context({
        ...options(fn),
        plugins: [
          {
            name: 'notify',
            setup: (b) =>
              b.onEnd((r) => {
                if (!r.errors.length) opts.onRebuild?.(fn.name);
              }),
          },
        ],
      });
      await ctx.watch();
    } else {
      const r = await esbuild.build(options(fn));
      const out = Object.entries(r.metafile?.outputs ?? {}).find(([f]) => f.endsWith('.mjs'));
      results.push({ name: fn.name, bytes: out?.[1].bytes ?? 0 });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const results = await buildAll();
  for (const r of results) console.log(`built dist/${r.name}/index.mjs (${(r.bytes / 1024).toFixed(1)} KiB)`);
  console.log(`build done in ${Date.now() - started} ms`);
}
