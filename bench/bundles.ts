// Builds what the cold-init benchmark imports, into bench/tmp/bundles/<name>/index.mjs:
// - mcp, prm, sse: the real function bundles from scripts/build.ts `buildAll()` (what SAM deploys),
//   copied out of dist/ so a concurrent rebuild cannot change them mid-run;
// - reference: bench/reference/sdk-entry.ts (official SDK + web-standard transport + jose + zod);
// - auth-401: bench/probes/auth-401.ts, the /mcp 401 path without the MCP SDK (what a lazily loaded
//   SDK would leave on the cold path), and bench/probes/{sdk,zod,dynamodb}-only.ts, each dependency alone,
//   for the investigation figures.
// The extra bundles use BUNDLE_OPTIONS, a copy of scripts/build.ts's options; `parity` reports whether
// building functions/mcp.ts with them gives the very bytes buildAll() wrote (so "minified the same way" holds).
//
//   buildBenchBundles(): Promise<{ bundles: BenchBundle[], parity: boolean, metafiles: Record<string, Metafile> }>
//   packageBreakdown(metafile, output): Array<{ pkg, bytes }>   bytes in the output per npm package (or 'lib/…')
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { buildAll } from '../scripts/build.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = path.join(ROOT, 'bench', 'tmp', 'bundles');

export const BUNDLE_OPTIONS: esbuild.BuildOptions = {
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
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
};

export interface BenchBundle {
  name: string;
  file: string;
  /** How the probe calls it: a Lambda streaming handler or a fetch-style handler. */
  kind: 'lambda' | 'fetch';
  bytes: number;
  gzipBytes: number;
}

async function sized(name: string, file: string, kind: BenchBundle['kind']): Promise<BenchBundle> {
  const buf = await readFile(file);
  return { name, file, kind, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
}

async function buildOne(entry: string, name: string): Promise<{ file: string; metafile: esbuild.Metafile }> {
  const file = path.join(OUT, name, 'index.mjs');
  const r = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [path.join(ROOT, entry)], outfile: file });
  return { file, metafile: r.metafile! };
}

export async function buildBenchBundles() {
  await buildAll();
  const bundles: BenchBundle[] = [];
  for (const fn of ['mcp', 'prm', 'sse']) {
    const file = path.join(OUT, fn, 'index.mjs');
    await mkdir(path.dirname(file), { recursive: true });
    await copyFile(path.join(ROOT, 'dist', fn, 'index.mjs'), file);
    bundles.push(await sized(fn, file, 'lambda'));
  }
  const ref = await buildOne('bench/reference/sdk-entry.ts', 'reference');
  bundles.push(await sized('reference', ref.file, 'fetch'));
  const auth = await buildOne('bench/probes/auth-401.ts', 'auth-401');
  bundles.push(await sized('auth-401', auth.file, 'lambda'));
  for (const probe of ['sdk-only', 'zod-only', 'dynamodb-only']) {
    const b = await buildOne(`bench/probes/${probe}.ts`, probe);
    bundles.push(await sized(probe, b.file, 'fetch'));
  }
  const mirror = await buildOne('functions/mcp.ts', 'mcp-mirror');
  const parity = (await readFile(mirror.file)).equals(await readFile(path.join(OUT, 'mcp', 'index.mjs')));
  return {
    bundles,
    parity,
    metafiles: { mcp: mirror.metafile, reference: ref.metafile, 'auth-401': auth.metafile } as Record<
      string,
      esbuild.Metafile
    >,
  };
}

/** Groups an output's bytes by npm package (scoped names kept whole) or by our own top folder. */
export function packageBreakdown(metafile: esbuild.Metafile): Array<{ pkg: string; bytes: number }> {
  const out = Object.entries(metafile.outputs).find(([f]) => f.endsWith('.mjs'));
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out?.[1].inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = m ? m[1]! : input.split('/').slice(0, 2).join('/');
    totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
}
