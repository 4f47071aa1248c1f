// local/stack-config.ts: the stack's own variables and the functions' configuration, checked together before
// `npm start` does anything slow. Each refusal is a ConfigError naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config.ts';
import { checkPublicUrl, loadStackConfig } from '../../../local/stack-config.ts';
import { ROOT } from '../../support/repo-copy.ts';

const load = (env: Record<string, string>, flags = { traefik: false, degraded: false }) =>
  loadStackConfig(env, flags, ROOT);

function refusedVariable(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).variable;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadStackConfig', () => {
  it('defaults', () => {
    expect(load({})).toMatchObject({
      port: 3000,
      hostname: '127.0.0.1',
      as: 'auto',
      asPort: 8080,
      externalIssuer: false,
      withTraefik: false,
      degraded: false,
      notes: [],
    });
    expect(load({ AUTH_ISSUER: 'https://as.example/realms/x' }).externalIssuer).toBe(true);
    expect(load({ START_DEGRADED: 'true' }).degraded).toBe(true);
    expect(load({}, { traefik: false, degraded: true }).degraded).toBe(true);
  });

  it('names the stack variable that is wrong', () => {
    expect(refusedVariable({ PORT: '3.5' })).toBe('PORT');
    expect(refusedVariable({ PORT: '-1' })).toBe('PORT');
    expect(refusedVariable({ AS_PORT: '65536' })).toBe('AS_PORT');
    expect(refusedVariable({ AS: 'okta' })).toBe('AS');
    expect(refusedVariable({ TRAEFIK: 'yes please' })).toBe('TRAEFIK');
    expect(refusedVariable({ TRAEFIK: 'true', TRAEFIK_HTTPS_PORT: 'x' })).toBe('TRAEFIK_HTTPS_PORT');
    expect(refusedVariable({ FUNCTIONS: 'McpFunction,Nope' })).toBe('FUNCTIONS');
    expect(refusedVariable({ START_DEGRADED: 'maybe' })).toBe('START_DEGRADED');
  });

  it("and the functions' own variables, with stand-ins for the issuer and URL the stack decides later", () => {
    expect(refusedVariable({ SESSION_TTL_S: 'abc' })).toBe('SESSION_TTL_S');
    expect(refusedVariable({ KEEPALIVE_MS: '-5' })).toBe('KEEPALIVE_MS');
    expect(refusedVariable({ MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp/' })).toBe('MCP_PUBLIC_URL');
    expect(refusedVariable({ MCP_PUBLIC_URL: 'http://127.0.0.1:3000/other' })).toBe('MCP_PUBLIC_URL');
    expect(refusedVariable({ AUTH_ISSUER: 'not a url' })).toBe('AUTH_ISSUER');
  });
});

describe('checkPublicUrl', () => {
  it('the path must be one McpFunction serves; another loopback port is a note (a proxy may be there)', () => {
    expect(() => checkPublicUrl('http://127.0.0.1:3000/x', 3000, ['/mcp'], false)).toThrow(
      'has the path /x, which the local host does not serve (McpFunction serves /mcp); use http://127.0.0.1:3000/mcp',
    );
    expect(checkPublicUrl('http://127.0.0.1:3000/mcp', 3000, ['/mcp'], false)).toEqual([]);
    expect(checkPublicUrl('http://127.0.0.1:4001/mcp', 3000, ['/mcp'], false)[0]).toContain('set PORT=4001');
    expect(checkPublicUrl('https://mcp.example.com/mcp', 3000, ['/mcp'], false)).toEqual([]);
    expect(checkPublicUrl('http://127.0.0.1:4001/mcp', 3000, ['/mcp'], true)).toEqual([]);
  });
});
