import { describe, expect, it } from 'vitest';
import { hasScopes, missingScopes } from '../../../lib/auth/index.ts';
import { missingToolScopes } from '../../../lib/mcp/endpoint.ts';
import { toolAllowed } from '../../../lib/mcp/server.ts';
import { tools } from '../../../lib/tools/index.ts';

describe('scope predicates', () => {
  const held = ['mcp:tools', 'openid'];
  it('missingScopes lists what is lacking, once, in the needed order', () => {
    expect(missingScopes(held, ['mcp:admin', 'mcp:tools', 'mcp:admin', 'x'])).toEqual(['mcp:admin', 'x']);
    expect(missingScopes(held, [])).toEqual([]);
  });
  it('hasScopes is exact: no prefixes, no case folding', () => {
    expect(hasScopes(held, ['mcp:tools'])).toBe(true);
    expect(hasScopes(held, ['mcp'])).toBe(false);
    expect(hasScopes(held, ['MCP:TOOLS'])).toBe(false);
    expect(hasScopes([], ['mcp:tools'])).toBe(false);
    expect(hasScopes([], [])).toBe(true);
  });
  it('is the rule lib/mcp applies per tool (tools/list) and before a tools/call (403 step-up)', () => {
    const admin = tools.find((t) => t.name === 'admin_demo')!;
    expect(admin.requiredScopes).toContain('mcp:admin');
    for (const scopes of [[], ['mcp:tools'], ['mcp:admin'], ['mcp:tools', 'mcp:admin'], ['MCP:ADMIN']]) {
      for (const tool of tools) {
        expect(toolAllowed(tool, scopes)).toBe(hasScopes(scopes, tool.requiredScopes));
        const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool.name, arguments: {} } };
        expect(missingToolScopes(call, tools, scopes)).toEqual(missingScopes(scopes, tool.requiredScopes));
      }
    }
  });
});
