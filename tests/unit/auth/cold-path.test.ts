// The PRM and 401 paths must cold-start fast: no MCP SDK in either bundle, and no jose in the PRM one.
// Checked on the real esbuild bundle graph (what SAM deploys), not on source text.

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [new URL(`../../../${entry}`, import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('cold-path imports', () => {
  it('lib/auth/prm.ts pulls in neither jose nor the MCP SDK', async () => {
    const inputs = await bundledInputs('lib/auth/prm.ts');
    expect(inputs.filter((i) => i.includes('node_modules'))).toEqual([]);
  });

  it('lib/auth/index.ts pulls in jose (lazily) but never the MCP SDK', async () => {
    const inputs = await bundledInputs('lib/auth/index.ts');
    expect(inputs.some((i) => i.includes('@modelcontextprotocol'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/jose'))).toBe(true);
  });

  for (const file of ['bearer', 'challenge', 'scopes', 'errors']) {
    it(`lib/auth/${file}.ts has no package dependencies`, async () => {
      const inputs = await bundledInputs(`lib/auth/${file}.ts`);
      expect(inputs.filter((i) => i.includes('node_modules'))).toEqual([]);
    });
  }
});
