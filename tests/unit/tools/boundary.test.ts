// Where user tools may be reached from: lib/ never names tools/ or generated/ (it sees tools only as ToolDefinition
// values handed over by the functions/ shells), and the PRM function bundles the plain manifest, never a tool or zod.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/repo-copy.ts';

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((f) => {
    const rel = `${dir}/${f}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** Import specifiers of a file, resolved to repository paths (type-only imports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm)]
    .map((m) => m[1]!)
    .map((s) => (s.startsWith('.') ? path.posix.join(path.posix.dirname(file), s) : s));
}

describe('the tool boundary', () => {
  it('lib/ imports neither tools/ nor generated/; the functions/ shells hand the catalogue over', () => {
    const lib = sources('lib');
    expect(lib.length).toBeGreaterThan(50);
    const bad = lib.flatMap((f) =>
      importsOf(f)
        .filter((d) => /^(tools|generated)\//.test(d))
        .map((d) => `${f} -> ${d}`),
    );
    expect(bad).toEqual([]);
    expect(importsOf('functions/mcp.ts')).toContain('generated/tools.ts');
    expect(importsOf('functions/sse.ts')).toContain('generated/tools.ts');
    expect(importsOf('functions/prm.ts')).toContain('generated/tool-manifest.ts');
  });

  it('the PRM function reaches the manifest only: no tool loader, no tool, no zod', async () => {
    const r = await esbuild.build({
      entryPoints: [path.join(ROOT, 'functions/prm.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      write: false,
      outdir: path.join(ROOT, '.cache', 'boundary'),
      platform: 'node',
      format: 'esm',
      splitting: true,
      metafile: true,
      packages: 'external',
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(inputs).toContain('generated/tool-manifest.ts');
    expect(
      inputs.filter((f) => f === 'generated/tools.ts' || f.startsWith('tools/') || f === 'lib/tools/demo.ts'),
    ).toEqual([]);
    expect(imports).not.toContain('zod');
  });
});
