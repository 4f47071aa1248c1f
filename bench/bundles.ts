// Builds what the cold-init benchmark imports, into bench/tmp/bundles/<name>/ (never into the shared
// dist/, which other runs rebuild and clean at any time), all with scripts/build.ts `esbuildOptions()`,
// i.e. the template's BuildProperties (minified, ESM, code splitting into chunks/), only the outdir differs:
// - mcp, prm, sse: every function of template.yaml, exactly as `buildAll()` and `sam build` build them;
// - reference: bench/reference/sdk-entry.ts (official SDK + web-standard transport + jose + zod), with the
//   /mcp function's options;
// - auth-401, sdk-only, zod-only, dynamodb-only: investigation probes (bench/probes/), same options.
//
//   buildBenchBundles(): Promise<{ bundles: BenchBundle[], metafiles }>
//   buildBenchServers(): Promise<void>   the bench's own processes as plain JS (HOST_BUNDLE: the local host,
//     REFERENCE_SERVERS_BUNDLE: the SDK/raw reference servers), so their memory figures do not include
//     Node's TypeScript type stripper, which no Lambda function carries
//   packageBreakdown(metafile, which?): Array<{ pkg, bytes }>   bytes per npm package (or 'lib/…') in the
//     entry file only ('entry') or in the entry and all its chunks ('all')
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { loadTemplate } from '../local/template.ts';
import { esbuildOptions } from '../scripts/build.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = path.join(ROOT, 'bench', 'tmp', 'bundles');
export const HOST_BUNDLE = path.join(ROOT, 'bench', 'tmp', 'servers', 'host.mjs');
export const REFERENCE_SERVERS_BUNDLE = path.join(ROOT, 'bench', 'tmp', 'servers', 'reference-servers.mjs');

export async function buildBenchServers(): Promise<void> {
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
    // CommonJS dependencies (js-yaml) call require; ESM output has none of its own.
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
  };
  await esbuild.build({ ...common, entryPoints: [path.join(ROOT, 'bench/host.ts')], outfile: HOST_BUNDLE });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(ROOT, 'bench/reference/servers.ts')],
    outfile: REFERENCE_SERVERS_BUNDLE,
  });
}

export interface BenchBundle {
  name: string;
  file: string;
  /** How the probe calls it: a Lambda streaming handler or a fetch-style handler. */
  kind: 'lambda' | 'fetch';
  /** The entry file (what init compiles) */
  bytes: number;
  gzipBytes: number;
  /** Entry plus every chunk it may import lazily */
  totalBytes: number;
  totalGzipBytes: number;
}

async function sized(name: string, dir: string, kind: BenchBundle['kind'], meta: esbuild.Metafile) {
  const files = Object.keys(meta.outputs).filter((f) => f.endsWith('.mjs'));
  let totalBytes = 0;
  let totalGzipBytes = 0;
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const buf = await readFile(path.resolve(ROOT, f));
    const gz = gzipSync(buf, { level: 9 }).length;
    totalBytes += buf.length;
    totalGzipBytes += gz;
    if (f.endsWith('/index.mjs')) {
      bytes = buf.length;
      gzipBytes = gz;
    }
  }
  const file = path.join(dir, 'index.mjs');
  return { name, file, kind, bytes, gzipBytes, totalBytes, totalGzipBytes } satisfies BenchBundle;
}

const MINIFY = process.env.BENCH_MINIFY !== 'false';

export async function buildBenchBundles() {
  const fns = loadTemplate(path.join(ROOT, 'template.yaml'));
  const mcpFn = fns.find((f) => f.name === 'mcp');
  if (!mcpFn) throw new Error('template.yaml has no mcp function');
  const bundles: BenchBundle[] = [];
  const metafiles: Record<string, esbuild.Metafile> = {};
  const build = async (name: string, options: esbuild.BuildOptions, kind: BenchBundle['kind']) => {
    const dir = path.join(OUT, name);
    rmSync(dir, { recursive: true, force: true });
    // BENCH_MINIFY=false keeps names readable in a profile (the figures that count are minified).
    const r = await esbuild.build({ ...options, outdir: dir, ...(MINIFY ? {} : { minify: false }) });
    metafiles[name] = r.metafile!;
    bundles.push(await sized(name, dir, kind, r.metafile!));
  };
  for (const fn of fns) await build(fn.name, esbuildOptions(fn), 'lambda');
  const like = (entry: string) => ({ ...esbuildOptions(mcpFn), entryPoints: { index: path.join(ROOT, entry) } });
  await build('reference', like('bench/reference/sdk-entry.ts'), 'fetch');
  await build('reference-lambda', like('bench/reference/lambda-entry.ts'), 'lambda');
  for (const probe of ['auth-401', 'sdk-only', 'zod-only', 'dynamodb-only']) {
    await build(probe, like(`bench/probes/${probe}.ts`), probe === 'auth-401' ? 'lambda' : 'fetch');
  }
  return { bundles, metafiles };
}

/** Groups an output's bytes by npm package (scoped names kept whole) or by our own top folder. */
export function packageBreakdown(
  metafile: esbuild.Metafile,
  which: 'entry' | 'all' = 'all',
): Array<{ pkg: string; bytes: number }> {
  const outs = Object.entries(metafile.outputs).filter(
    ([f]) => f.endsWith('.mjs') && (which === 'all' || f.endsWith('/index.mjs')),
  );
  const totals = new Map<string, number>();
  for (const [, out] of outs) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1]! : input.split('/').slice(0, 2).join('/');
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
}

// `node bench/bundles.ts`: build them by hand (bench/cpu.ts and bench/warm.ts read bench/tmp/bundles).
if (import.meta.url === `file://${process.argv[1]}`) await buildBenchBundles();
