// biome-ignore-all lint/suspicious/noExplicitAny: the test walks a free-form CloudFormation document
// The auth-profile parameters of template.yaml: every AUTH_PROFILE the code knows is an allowed value, each
// parameter reaches the functions' environment, the defaults give exactly the default configuration, and
// what the parameters' patterns let through is what lib/config then judges (cognito without client ids
// stops the function at init, naming AUTH_ALLOWED_CLIENT_IDS).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { yamlParse } from 'yaml-cfn';
import { AUTH_PROFILE_NAMES } from '../../../lib/auth/profiles.ts';
import { loadConfig } from '../../../lib/config.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const TEMPLATE = process.env.SAM_TEMPLATE_UNDER_TEST ?? path.join(ROOT, 'template.yaml');
const doc = yamlParse(readFileSync(TEMPLATE, 'utf8')) as any;
const params = doc.Parameters;
const env = doc.Globals.Function.Environment.Variables;
const WIRING = {
  AUTH_PROFILE: 'AuthProfile',
  AUTH_AUDIENCE: 'AuthAudience',
  AUTH_ALLOWED_CLIENT_IDS: 'AuthAllowedClientIds',
  AUTH_SCOPE_PREFIX: 'AuthScopePrefix',
} as const;
const base = { AUTH_ISSUER: 'https://issuer.example/realms/mcp', MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' };

describe('template.yaml: auth profile parameters', () => {
  it('AuthProfile allows exactly the profiles lib/auth knows, generic by default', () => {
    expect(params.AuthProfile.AllowedValues).toEqual([...AUTH_PROFILE_NAMES]);
    expect(params.AuthProfile.Default).toBe('generic');
  });

  it('each parameter is passed to every function as its variable', () => {
    for (const [variable, param] of Object.entries(WIRING)) {
      expect(params[param], param).toBeDefined();
      expect(env[variable], variable).toEqual({ Ref: param });
    }
  });

  it("the parameters' defaults give the default configuration (empty values mean unset)", () => {
    const fromDefaults = Object.fromEntries(Object.entries(WIRING).map(([v, p]) => [v, String(params[p].Default)]));
    expect(loadConfig({ ...base, ...fromDefaults }).auth).toEqual(loadConfig(base).auth);
  });

  it('patterns refuse quotes and backslashes; lib/config judges the rest and names the variable', () => {
    const allowed = (p: string, v: string) => new RegExp(params[p].AllowedPattern).test(v);
    expect(allowed('AuthAudience', '0c6f5a6e-8c1b-4a58-9b83-1f2d3c4b5a69,api://mcp')).toBe(true);
    expect(allowed('AuthAllowedClientIds', 'a"b')).toBe(false);
    expect(allowed('AuthScopePrefix', 'https://mcp.example.com/')).toBe(true);
    expect(allowed('AuthScopePrefix', 'https://mcp example/')).toBe(false);
    expect(() =>
      loadConfig({
        ...base,
        AUTH_PROFILE: 'cognito',
        AUTH_AUDIENCE: '',
        AUTH_ALLOWED_CLIENT_IDS: '',
        AUTH_SCOPE_PREFIX: '',
      }),
    ).toThrow(/AUTH_ALLOWED_CLIENT_IDS/);
  });
});
