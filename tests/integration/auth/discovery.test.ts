// jwks_uri from the issuer's discovery document (the MCP spec's order: RFC 8414 insertion, OIDC insertion, OIDC
// appending), cached at module scope.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../../lib/auth/index.ts';
import { resetJwksCaches, resolveJwksUri } from '../../../lib/auth/jwks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { goodClaims, jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
let srv: KeyServer;
let key: TestKey;

const bearer = (token: string) => new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } });
const cfgFor = (issuer: string, extra: Record<string, string> = {}) =>
  loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: issuer, AUTH_JWKS_TIMEOUT_MS: '500', ...extra });

beforeAll(async () => {
  srv = await startKeyServer();
  key = await makeKey('RS256', 'k1');
  resetJwksCaches();
});

afterAll(() => srv.stop());

describe('discovery', () => {
  it('reads jwks_uri from <issuer>/.well-known/openid-configuration, once', async () => {
    const issuer = `${srv.origin}/realms/mcp`;
    srv.serve('/realms/mcp/.well-known/openid-configuration', { issuer, jwks_uri: `${issuer}/protocol/certs` });
    srv.serve('/realms/mcp/protocol/certs', jwksOf(key));
    const cfg = cfgFor(issuer);
    for (let i = 0; i < 3; i++) {
      const r = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg);
      expect(r.ok).toBe(true);
    }
    expect(srv.count('/realms/mcp/.well-known/openid-configuration')).toBe(1);
    expect(srv.count('/realms/mcp/protocol/certs')).toBe(1);
    // The third form in the spec's order: the two before it were tried once each (404), then never again.
    expect(srv.count('/.well-known/oauth-authorization-server/realms/mcp')).toBe(1);
    expect(srv.count('/.well-known/openid-configuration/realms/mcp')).toBe(1);
  });

  it('finds RFC 8414 /.well-known/oauth-authorization-server<issuer-path> first', async () => {
    const issuer = `${srv.origin}/realms/other`;
    srv.serve('/.well-known/oauth-authorization-server/realms/other', {
      issuer,
      jwks_uri: `${srv.origin}/other-certs`,
    });
    srv.serve('/other-certs', jwksOf(key));
    const r = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfgFor(issuer));
    expect(r.ok).toBe(true);
    expect(srv.count('/.well-known/oauth-authorization-server/realms/other')).toBe(1);
    expect(srv.count('/realms/other/.well-known/openid-configuration')).toBe(0); // never needed
  });

  it('AUTH_JWKS_URL wins over discovery', async () => {
    const issuer = `${srv.origin}/realms/explicit`;
    const uri = await resolveJwksUri(cfgFor(issuer, { AUTH_JWKS_URL: `${srv.origin}/explicit-certs` }).auth);
    expect(uri.href).toBe(`${srv.origin}/explicit-certs`);
    expect(srv.count('/realms/explicit/.well-known/openid-configuration')).toBe(0);
  });

  it('a document naming another issuer is ignored: 401, never its keys', async () => {
    const issuer = `${srv.origin}/realms/spoof`;
    srv.serve('/realms/spoof/.well-known/openid-configuration', {
      issuer: 'https://evil.example.com',
      jwks_uri: `${srv.origin}/spoof-certs`,
    });
    srv.serve('/spoof-certs', jwksOf(key));
    const r = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfgFor(issuer));
    expect(r.ok ? 200 : r.status).toBe(401);
    expect(srv.count('/spoof-certs')).toBe(0);
  });

  it('an unreachable AS is 401 invalid_token, and the failure is not retried within the cooldown', async () => {
    const issuer = `${srv.origin}/realms/down`;
    const cfg = cfgFor(issuer, { AUTH_JWKS_COOLDOWN_MS: '60000' });
    for (let i = 0; i < 3; i++) {
      const r = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg);
      expect(r.ok ? 200 : r.status).toBe(401);
      if (!r.ok) expect(r.reason).toBe('invalid_token: The signing keys are unavailable');
    }
    expect(srv.count('/realms/down/.well-known/openid-configuration')).toBe(1);
  });
});
