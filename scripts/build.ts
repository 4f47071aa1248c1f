// Bundles every function declared in template.yaml into dist/<name>/index.mjs with the esbuild settings
// of its Metadata.BuildProperties (what `sam build` uses): ESM, minified, source maps, Node built-ins
// external. Code splitting puts what a function imports lazily (the MCP SDK, zod, the AWS SDK) into
// dist/<name>/chunks/, so Lambda init compiles only the small entry: V8 compile time grows with size.
// The tool catalogue (generated/tools.ts, keycloak/realm-mcp.json) is regenerated from tools/*.ts first
// (scripts/generate.ts), so a tool added as one file is in the next build; each user tool lands in a lazy chunk.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type FunctionSpec, loadTemplate } from '../local/template.ts';
import { generate } from './generate.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function bundlePath(fn: FunctionSpec): string {
  return path.join(ROOT, 'dist', fn.name, 'index.mjs');
}

/**
 * esbuild options from the function's Metadata.BuildProperties in template.yaml, so the local host runs
 * bundles built exactly as `sam build` builds them (only the output file name differs: index.mjs).
 */
export function esbuildOptions(fn: FunctionSpec): esbuild.BuildOptions {
  const p = fn.buildProperties;
  const banner = (p.Banner as string[] | undefined)?.find((b) => b.startsWith('js='))?.slice(3);
  const outExt = (p.OutExtension as string[] | undefined)?.find((e) => e.startsWith('.js='))?.slice(4) ?? '.js';
  return {
    entryPoints: { index: path.join(ROOT, fn.entry) },
    outdir: path.dirname(bundlePath(fn)),
    outExtension: { '.js': outExt },
    bundle: true,
    platform: 'node',
    format: (p.Format as esbuild.Format | undefined) ?? 'cjs',
    target: (p.Target as string | undefined) ?? 'node22',
    minify: p.Minify !== false,
    sourcemap: p.Sourcemap === true,
    splitting: p.Splitting === true,
    chunkNames: (p.ChunkNames as string | undefined) ?? 'chunk-[hash]',
    legalComments: 'none',
    ...(Array.isArray(p.External) ? { external: p.External as string[] } : {}),
    metafile: true,
    logLevel: 'silent',
    ...(banner ? { banner: { js: banner } } : {}),
  };
}

export async function buildAll(
  opts: { template?: string; watch?: boolean; onRebuild?: (fn: string) => void; generate?: boolean } = {},
) {
  if (opts.generate !== false) await generate({ root: ROOT });
  const fns = loadTemplate(opts.template ?? path.join(ROOT, 'template.yaml'));
  const results: Array<{ name: string; bytes: number; totalBytes: number }> = [];
  for (const fn of fns) {
    if (opts.watch) {
      const ctx = await esbuild.context({
        ...esbuildOptions(fn),
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
      rmSync(path.dirname(bundlePath(fn)), { recursive: true, force: true });
      const r = await esbuild.build(esbuildOptions(fn));
      const outs = Object.entries(r.metafile?.outputs ?? {}).filter(([f]) => f.endsWith('.mjs'));
      const entry = outs.find(([f]) => f.endsWith('/index.mjs'));
      results.push({
        name: fn.name,
        bytes: entry?.[1].bytes ?? 0,
        totalBytes: outs.reduce((n, [, o]) => n + o.bytes, 0),
      });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const results = await buildAll();
  for (const r of results) {
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`built dist/${r.name}/index.mjs (${kib(r.bytes)} entry, ${kib(r.totalBytes)} with lazy chunks)`);
  }
  console.log(`build done in ${Date.now() - started} ms`);
}
