// Bundles every function declared in template.yaml into dist/<name>/index.mjs: ESM, minified,
// tree-shaken, with source maps and Node built-ins left external. Code splitting puts what a function
// imports lazily (the MCP SDK, zod, the AWS SDK) into dist/<name>/chunks/, so Lambda init compiles
// only the small entry: V8 parse/compile time grows with the size of what is imported at start.
import { rmSync } from 'node:fs';
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
    entryPoints: { index: path.join(ROOT, fn.entry) },
    outdir: path.dirname(bundlePath(fn)),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
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
  const results: Array<{ name: string; bytes: number; totalBytes: number }> = [];
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
      rmSync(path.dirname(bundlePath(fn)), { recursive: true, force: true });
      const r = await esbuild.build(options(fn));
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
