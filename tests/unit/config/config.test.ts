// lib/config.ts: the scopes follow the tools' declarations, DEMO_TOOLS, and the MCP_PUBLIC_URL forms that could
// never answer as printed. Every refusal is a ConfigError naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/config.ts';
import type { ToolManifestEntry } from '../../../lib/tools/index.ts';

const ENV = { MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', AUTH_ISSUER: 'https://as.example.com/realms/mcp' };
const manifest: ToolManifestEntry[] = [
  { name: 'echo', demo: true, source: 'lib/tools/demo.ts', scopes: [] },
  { name: 'admin_demo', demo: true, source: 'lib/tools/demo.ts', scopes: [{ name: 'mcp:admin', admin: true }] },
  {
    name: 'set_forecast',
    demo: false,
    source: 'tools/set_forecast.ts',
    scopes: [{ name: 'weather:write', admin: false }],
  },
  {
    name: 'purge',
    demo: false,
    source: 'tools/purge.ts',
    scopes: [
      { name: 'weather:write', admin: false },
      { name: 'weather:purge', admin: true },
    ],
  },
];
const catalogue = { tools: manifest };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, catalogue);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('scopes follow the tools', () => {
  it('scopes_supported is AUTH_REQUIRED_SCOPES plus every served tool’s scopes, each once, in declared order', () => {
    expect(loadConfig(ENV, catalogue).auth.scopesSupported).toEqual([
      'mcp:tools',
      'mcp:admin',
      'weather:write',
      'weather:purge',
    ]);
  });

  it('DEMO_TOOLS=false drops the demo tools and the scopes only they declare', () => {
    const cfg = loadConfig({ ...ENV, DEMO_TOOLS: 'false' }, catalogue);
    expect(cfg.demoTools).toBe(false);
    expect(cfg.auth.scopesSupported).toEqual(['mcp:tools', 'weather:write', 'weather:purge']);
    expect(loadConfig(ENV, catalogue).demoTools).toBe(true);
    expect(refusal({ ...ENV, DEMO_TOOLS: 'sometimes' }).variable).toBe('DEMO_TOOLS');
  });

  it('without a catalogue only the required scopes are advertised', () => {
    expect(loadConfig(ENV).auth.scopesSupported).toEqual(['mcp:tools']);
  });

  it('AUTH_SCOPES_SUPPORTED may add scopes but not leave a declared one out (named with its tool)', () => {
    const more = loadConfig(
      { ...ENV, AUTH_SCOPES_SUPPORTED: 'mcp:tools mcp:admin weather:write weather:purge extra' },
      catalogue,
    );
    expect(more.auth.scopesSupported).toContain('extra');
    const err = refusal({ ...ENV, AUTH_SCOPES_SUPPORTED: 'mcp:tools mcp:admin weather:write' });
    expect(err.variable).toBe('AUTH_SCOPES_SUPPORTED');
    expect(err.message).toContain('leaves out weather:purge (tool purge)');
    expect(err.message).toContain('mcp:tools mcp:admin weather:write weather:purge');
    const required = refusal({ ...ENV, AUTH_REQUIRED_SCOPES: 'mcp:tools base:x', AUTH_SCOPES_SUPPORTED: 'mcp:tools' });
    expect(required.message).toContain('base:x (AUTH_REQUIRED_SCOPES)');
  });

  it('scope lists hold scope tokens only (they are quoted into WWW-Authenticate)', () => {
    expect(refusal({ ...ENV, AUTH_REQUIRED_SCOPES: 'mcp:tools a"b' }).variable).toBe('AUTH_REQUIRED_SCOPES');
    expect(refusal({ ...ENV, AUTH_SCOPES_SUPPORTED: 'x\\y' }).variable).toBe('AUTH_SCOPES_SUPPORTED');
  });
});

describe('MCP_PUBLIC_URL is used byte for byte', () => {
  it('a trailing slash after a path is refused, with the URL to use', () => {
    const err = refusal({ ...ENV, MCP_PUBLIC_URL: 'http://127.0.0.1:4001/mcp/' });
    expect(err.variable).toBe('MCP_PUBLIC_URL');
    expect(err.message).toContain('must not end with a slash, got "http://127.0.0.1:4001/mcp/"');
    expect(err.message).toContain('use http://127.0.0.1:4001/mcp');
  });

  it('a bare origin keeps its slash (it is the only path there is); a query is refused', () => {
    expect(loadConfig({ ...ENV, MCP_PUBLIC_URL: 'https://mcp.example.com/' }).publicUrl).toBe(
      'https://mcp.example.com/',
    );
    expect(loadConfig({ ...ENV, MCP_PUBLIC_URL: 'https://mcp.example.com' }).publicUrl).toBe('https://mcp.example.com');
    expect(refusal({ ...ENV, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp?x=1' }).message).toContain(
      'must not have a query',
    );
  });

  it('the errors of the other variables still name them', () => {
    expect(refusal({ ...ENV, SESSION_TTL_S: 'abc' }).message).toBe(
      'Invalid configuration: SESSION_TTL_S must be a whole number, got "abc"',
    );
  });
});

describe('AUDIT_ARGS_ALLOWLIST is keyed safely', () => {
  it('a tool named like an Object.prototype key is a plain entry, not the prototype', () => {
    const cfg = loadConfig({ ...ENV, AUDIT_ARGS_ALLOWLIST: 'constructor:a,toString:b,constructor:c,echo:text' });
    expect(cfg.audit.argsAllowList.constructor).toEqual(['a', 'c']);
    expect(cfg.audit.argsAllowList.toString).toEqual(['b']);
    expect(cfg.audit.argsAllowList.echo).toEqual(['text']);
    expect(Object.hasOwn(cfg.audit.argsAllowList, 'hasOwnProperty')).toBe(false);
  });
});
