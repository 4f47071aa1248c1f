// The façade's configuration: off unless FACADE_UPSTREAM_ISSUER is set; fails fast naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/config.ts';
import { loadFacadeConfig } from '../../../lib/facade/index.ts';

const base = { MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', AUTH_ISSUER: 'https://mcp.example.com' };
const on = {
  ...base,
  FACADE_UPSTREAM_ISSUER: 'https://idp.example.com/',
  FACADE_UPSTREAM_CLIENT_ID: 'c',
  FACADE_SIGNING_KEY: '{}',
};
const load = (env: Record<string, string>) => loadFacadeConfig(env, loadConfig(env));

describe('loadFacadeConfig', () => {
  it('is off by default', () => {
    expect(load(base).enabled).toBe(false);
  });
  it('on: issuer = the public origin, resource = the MCP URL, defaults as documented', () => {
    const c = load(on);
    expect(c).toMatchObject({
      enabled: true,
      issuer: 'https://mcp.example.com',
      resource: 'https://mcp.example.com/mcp',
      accessTokenTtlSec: 300,
      refreshTtlSec: 28800,
      table: 'mcp-facade',
      autoConsent: false,
      cimdAllowPrivate: false,
    });
    // The IdP's issuer is kept exactly (Auth0's ends with a slash); the façade's own has none.
    expect(c.upstream).toMatchObject({ issuer: 'https://idp.example.com/', clientId: 'c', loginScopes: ['openid'] });
  });
  it.each([
    [{ FACADE_UPSTREAM_CLIENT_ID: '' }, 'FACADE_UPSTREAM_CLIENT_ID'],
    [{ FACADE_SIGNING_KEY: '' }, 'FACADE_SIGNING_KEY'],
    [{ FACADE_ACCESS_TOKEN_TTL_S: '86400' }, 'FACADE_ACCESS_TOKEN_TTL_S'],
    [{ FACADE_ACCESS_TOKEN_TTL_S: '5m' }, 'FACADE_ACCESS_TOKEN_TTL_S'],
    [{ FACADE_UPSTREAM_ISSUER: 'ftp://idp' }, 'FACADE_UPSTREAM_ISSUER'],
    [{ FACADE_AUTO_CONSENT: 'maybe' }, 'FACADE_AUTO_CONSENT'],
    [{ FACADE_REFRESH_TTL_S: '-1' }, 'FACADE_REFRESH_TTL_S'],
    [{ FACADE_UPSTREAM_AUTH_METHOD: 'private_key_jwt' }, 'FACADE_UPSTREAM_AUTH_METHOD'],
  ])('%o -> ConfigError naming %s', (patch, variable) => {
    const err = (() => {
      try {
        load({ ...on, ...patch });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
  });
});
