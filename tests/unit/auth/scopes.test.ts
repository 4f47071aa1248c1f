import { describe, expect, it } from 'vitest';
import { hasScopes, missingScopes } from '../../../lib/auth/scopes.ts';

describe('scope predicates', () => {
  const p = { scopes: ['mcp:tools', 'openid'] };
  it('missingScopes lists what is lacking, once, in the needed order', () => {
    expect(missingScopes(p, ['mcp:admin', 'mcp:tools', 'mcp:admin', 'x'])).toEqual(['mcp:admin', 'x']);
    expect(missingScopes(p, [])).toEqual([]);
  });
  it('hasScopes is exact: no prefixes, no case folding', () => {
    expect(hasScopes(p, ['mcp:tools'])).toBe(true);
    expect(hasScopes(p, ['mcp'])).toBe(false);
    expect(hasScopes(p, ['MCP:TOOLS'])).toBe(false);
    expect(hasScopes({ scopes: [] }, ['mcp:tools'])).toBe(false);
    expect(hasScopes({ scopes: [] }, [])).toBe(true);
  });
});
