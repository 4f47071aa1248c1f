// lib/tools: what a tool may declare, the merge and grant rules every derived artefact uses, the catalogue helpers,
// and scripts/catalogue.ts + scripts/generate.ts on a repository copy (the files the build writes from tools/).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  catalogueDrift,
  declaredScopes,
  defineTool,
  grantsFor,
  mergeScopes,
  normaliseScopes,
  ToolDefinitionError,
  type ToolManifestEntry,
  tools,
} from '../../../lib/tools/index.ts';
import { findToolFiles, isToolFile, loadCatalogue } from '../../../scripts/catalogue.ts';
import { catalogueSource, generate } from '../../../scripts/generate.ts';
import { copyRepo, type RepoCopy } from '../../support/repo-copy.ts';

const spec = (extra: Record<string, unknown>) =>
  ({
    name: 'ok_tool',
    description: 'd',
    inputSchema: z.object({}),
    handler: async () => ({ content: [] }),
    ...extra,
  }) as Parameters<typeof defineTool>[0];

describe('defineTool and scope declarations (hostile first)', () => {
  it('refuses names clients cannot call, and scopes that are not scope tokens or belong to the AS', () => {
    for (const name of ['', 'has space', 'a/b', 'x'.repeat(129), '__proto__ ']) {
      expect(() => defineTool(spec({ name })), name).toThrow(ToolDefinitionError);
    }
    for (const scope of ['', 'a b', 'a"b', 'a\\b', 'openid', 'offline_access', 'profile']) {
      expect(() => defineTool(spec({ scopes: [scope] })), scope).toThrow(/tool ok_tool: /);
    }
    expect(() => defineTool(spec({ scopes: [{ name: 42 }] }))).toThrow(ToolDefinitionError);
  });

  it('normalises strings and objects, each scope once, admin if any declaration says so', () => {
    const t = defineTool(
      spec({
        scopes: ['w:x', { name: 'w:admin', description: ' Purge ', admin: true }, 'w:x', { name: 'w:admin' }],
      }),
    );
    expect(t.requiredScopes).toEqual(['w:x', 'w:admin']);
    expect(t.scopes).toEqual([
      { name: 'w:x', admin: false },
      { name: 'w:admin', admin: true, description: 'Purge' },
    ]);
    expect(normaliseScopes([])).toEqual([]);
    expect(mergeScopes([[{ name: 's', admin: false }], [{ name: 's', admin: true, description: 'x' }]])).toEqual([
      { name: 's', admin: true, description: 'x' },
    ]);
  });

  it('the grant rule: dev every scope, viewer all but the administrative ones, the base scopes to both', () => {
    const declared = [
      { name: 'a', admin: false },
      { name: 'b', admin: true },
    ];
    expect(grantsFor('dev', ['mcp:tools'], declared)).toEqual(['mcp:tools', 'a', 'b']);
    expect(grantsFor('viewer', ['mcp:tools'], declared)).toEqual(['mcp:tools', 'a']);
  });

  it('the demo tools declare mcp:admin on admin_demo only, as administrative', () => {
    const admin = tools.find((t) => t.name === 'admin_demo')!;
    expect(admin.scopes).toEqual([expect.objectContaining({ name: 'mcp:admin', admin: true })]);
    expect(tools.filter((t) => t.requiredScopes.length).map((t) => t.name)).toEqual(['admin_demo']);
  });
});

describe('the catalogue', () => {
  const manifest: ToolManifestEntry[] = [
    { name: 'echo', demo: true, source: 'lib/tools/demo.ts', scopes: [] },
    { name: 'admin_demo', demo: true, source: 'lib/tools/demo.ts', scopes: [{ name: 'mcp:admin', admin: true }] },
    { name: 'mine', demo: false, source: 'tools/mine.ts', scopes: [{ name: 'x:y', admin: false }] },
  ];
  it('declaredScopes follows DEMO_TOOLS', () => {
    expect(declaredScopes({ tools: manifest }, true).map((s) => s.name)).toEqual(['mcp:admin', 'x:y']);
    expect(declaredScopes({ tools: manifest }, false).map((s) => s.name)).toEqual(['x:y']);
  });
  it('catalogueDrift names a tool whose scopes changed, or that the manifest lacks', () => {
    const mine = defineTool(spec({ name: 'mine', scopes: ['x:z'] }));
    const other = defineTool(spec({ name: 'other' }));
    expect(catalogueDrift(manifest, [mine, other])).toEqual([
      'mine needs "x:z" but the manifest says "x:y"',
      'other is served but missing from the manifest',
    ]);
    expect(catalogueDrift(manifest, [defineTool(spec({ name: 'mine', scopes: ['x:y'] }))])).toEqual([]);
  });
  it('which files are tools', () => {
    expect(['a.ts', 'b_c.mts'].every(isToolFile)).toBe(true);
    expect(['_helper.ts', '.x.ts', 'a.d.ts', 'a.test.ts', 'a.spec.ts', 'README.md', 'a.js'].some(isToolFile)).toBe(
      false,
    );
  });
  it('the generated loader imports each tool file lazily, and nothing when there are none', () => {
    expect(catalogueSource({ files: [] })).toContain('load: async () => []');
    const src = catalogueSource({ files: ['tools/a.ts', 'tools/b.ts'] });
    expect(src).toContain("import('../tools/a.ts'), import('../tools/b.ts')");
    expect(src).not.toMatch(/^import .*tools\/a/m); // never a static import: the tools load with the MCP core
  });
});

describe('scripts/generate.ts on a copy of the repository', () => {
  let repo: RepoCopy;
  beforeAll(() => {
    repo = copyRepo({ nodeModules: 'link', prefix: 'mcp-stack-gen-' });
  });
  afterAll(() => repo?.remove());

  it('a new tool file is picked up: manifest, loader and realm; removing it takes it out again', async () => {
    const file = path.join(repo.dir, 'tools', 'set_forecast.ts');
    writeFileSync(
      file,
      `import { z } from 'zod';
import { defineTool } from '../lib/tools/index.ts';
export default defineTool({
  name: 'set_forecast',
  description: 'x',
  inputSchema: z.object({}),
  scopes: [{ name: 'weather:write', description: 'Change forecasts' }],
  async handler() { return { content: [] }; },
});
`,
    );
    expect(findToolFiles(repo.dir)).toEqual(['tools/set_forecast.ts']);
    const first = await generate({ root: repo.dir });
    expect(first.changed.sort()).toEqual([
      'generated/tool-manifest.ts',
      'generated/tools.ts',
      'keycloak/realm-mcp.json',
    ]);
    expect(readFileSync(path.join(repo.dir, 'generated', 'tools.ts'), 'utf8')).toContain(
      "import('../tools/set_forecast.ts')",
    );
    expect(readFileSync(path.join(repo.dir, 'generated', 'tool-manifest.ts'), 'utf8')).toContain(
      "name: 'weather:write'",
    );
    const realm = JSON.parse(readFileSync(path.join(repo.dir, 'keycloak', 'realm-mcp.json'), 'utf8'));
    expect(realm.defaultOptionalClientScopes).toContain('weather:write');
    // Unchanged inputs write nothing (no rebuild loops in watch mode, no noise in git).
    expect((await generate({ root: repo.dir })).changed).toEqual([]);
    expect((await generate({ root: repo.dir, check: true })).changed).toEqual([]);

    const { rmSync } = await import('node:fs');
    rmSync(file);
    const back = await generate({ root: repo.dir });
    expect(back.changed.length).toBe(3);
    expect(readFileSync(path.join(repo.dir, 'generated', 'tools.ts'), 'utf8')).not.toContain('set_forecast');
  });

  it('a tool with a JSON Schema 2020-12 input schema is catalogued; one that does not compile stops it', async () => {
    const file = path.join(repo.dir, 'tools', 'book_call.ts');
    writeFileSync(
      file,
      `import { defineTool } from '../lib/tools/index.ts';
export default defineTool({
  name: 'book_call',
  description: 'x',
  inputSchema: {
    type: 'object',
    properties: { phone: { type: 'string' }, when: { $ref: '#/$defs/slot' } },
    $defs: { slot: { type: 'string', format: 'date-time' } },
    oneOf: [{ required: ['phone'] }, { required: ['when'] }],
  },
  async handler(args) { return { content: [{ type: 'text', text: JSON.stringify(args) }] }; },
});
`,
    );
    const { entries } = await loadCatalogue(repo.dir);
    expect(entries.find((e) => e.name === 'book_call')).toMatchObject({ demo: false, source: 'tools/book_call.ts' });
    const gen = await generate({ root: repo.dir });
    expect(gen.changed).toContain('generated/tool-manifest.ts');
    expect(readFileSync(path.join(repo.dir, 'generated', 'tools.ts'), 'utf8')).toContain(
      "import('../tools/book_call.ts')",
    );
    const { rmSync } = await import('node:fs');
    // Another file (an imported module is cached by URL): the same tool with a $ref to nowhere.
    const broken = path.join(repo.dir, 'tools', 'book_call_broken.ts');
    writeFileSync(broken, readFileSync(file, 'utf8').replace("'#/$defs/slot'", "'#/$defs/nowhere'"));
    rmSync(file);
    await expect(loadCatalogue(repo.dir)).rejects.toThrow(
      /tools\/book_call_broken\.ts: tool book_call: inputSchema does not compile/,
    );
    rmSync(broken);
    await generate({ root: repo.dir });
  });

  it('a name another tool has, or a file without a default tool, stops it naming the file', async () => {
    writeFileSync(
      path.join(repo.dir, 'tools', 'echo_again.ts'),
      `import { z } from 'zod';
import { defineTool } from '../lib/tools/index.ts';
export default defineTool({ name: 'echo', description: 'x', inputSchema: z.object({}), async handler() { return { content: [] }; } });
`,
    );
    await expect(loadCatalogue(repo.dir)).rejects.toThrow(
      'tool name "echo" is used by both lib/tools/demo.ts and tools/echo_again.ts',
    );
    const { rmSync } = await import('node:fs');
    rmSync(path.join(repo.dir, 'tools', 'echo_again.ts'));
    writeFileSync(path.join(repo.dir, 'tools', 'nothing.ts'), 'export const x = 1;\n');
    await expect(loadCatalogue(repo.dir)).rejects.toThrow('tools/nothing.ts must `export default defineTool');
    rmSync(path.join(repo.dir, 'tools', 'nothing.ts'));
  });
});
