// Tokens that must pass: RS256, ES256 and PS256 from a real loopback JWKS, the scope claim forms,
// Keycloak's shape, and what authenticate() hands on (the Identity, SDK AuthInfo without the token).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { authenticate, identityOf, toAuthInfo } from '../../../lib/auth/index.ts';
import { verifyAccessToken } from '../../../lib/auth/verify.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import { declaredScopes } from '../../../lib/tools/index.ts';
import { goodClaims, jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
let srv: KeyServer;
let keys: Record<'RS256' | 'ES256' | 'PS256' | 'RS384', TestKey>;
let cfg: Config;
let issuer: string;

const bearer = (token: string) => new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  srv = await startKeyServer();
  keys = {
    RS256: await makeKey('RS256', 'rs'),
    ES256: await makeKey('ES256', 'es'),
    PS256: await makeKey('PS256', 'ps'),
    RS384: await makeKey('RS384', 'rs384'),
  };
  srv.serve('/certs', jwksOf(keys.RS256, keys.ES256, keys.PS256, keys.RS384));
  issuer = `${srv.origin}/realms/mcp`;
  cfg = loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: issuer, AUTH_JWKS_URL: `${srv.origin}/certs` });
});

afterAll(() => srv.stop());

describe('valid access tokens', () => {
  for (const alg of ['RS256', 'ES256', 'PS256'] as const) {
    it(`${alg} yields the subject, client, scopes and audit ids`, async () => {
      const claims = goodClaims(issuer, PUBLIC_URL, { scope: 'mcp:tools mcp:admin', sid: 'sess-1' });
      const result = await authenticate(bearer(await sign(keys[alg], claims)), cfg);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.identity).toEqual({
        subject: 'user-123',
        clientId: 'client-abc',
        scopes: ['mcp:tools', 'mcp:admin'],
        expiresAt: claims.exp,
        issuer,
        jti: claims.jti,
        sid: 'sess-1',
      });
    });
  }

  it('scp as an array, scp as a string, and scope+scp together', async () => {
    const noScope = goodClaims(issuer, PUBLIC_URL, { scope: undefined });
    const a = await verifyAccessToken(
      await sign(keys.RS256, { ...noScope, scp: ['mcp:tools', 'mcp:admin'] }),
      cfg.auth,
    );
    expect(a.scopes).toEqual(['mcp:tools', 'mcp:admin']);
    const b = await verifyAccessToken(await sign(keys.RS256, { ...noScope, scp: 'mcp:tools  mcp:admin' }), cfg.auth);
    expect(b.scopes).toEqual(['mcp:tools', 'mcp:admin']);
    const c = await verifyAccessToken(await sign(keys.RS256, { ...noScope, scope: 'a b', scp: ['b', 'c'] }), cfg.auth);
    expect(c.scopes).toEqual(['a', 'b', 'c']);
  });

  it('accepts the typ headers at+jwt, application/at+jwt, JWT and none', async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', undefined]) {
      const p = await verifyAccessToken(await sign(keys.ES256, goodClaims(issuer, PUBLIC_URL), { typ }), cfg.auth);
      expect(p.subject).toBe('user-123');
    }
  });

  it("accepts Keycloak's shape: typ Bearer, aud [account, resource], azp, scope with openid", async () => {
    const token = await sign(
      keys.RS256,
      goodClaims(issuer, PUBLIC_URL, {
        typ: 'Bearer',
        aud: ['account', PUBLIC_URL],
        azp: 'mcp-inspector',
        client_id: undefined,
        scope: 'openid profile mcp:tools',
        nonce: 'kept-by-some-flows',
      }),
      { typ: 'JWT' },
    );
    const p = await verifyAccessToken(token, cfg.auth);
    expect(p.clientId).toBe('mcp-inspector');
    expect(p.scopes).toContain('mcp:tools');
  });

  it('falls back to the client id as subject for tokens without sub', async () => {
    const p = await verifyAccessToken(
      await sign(keys.RS256, goodClaims(issuer, PUBLIC_URL, { sub: undefined, client_id: 'svc' })),
      cfg.auth,
    );
    expect(p.subject).toBe('svc');
  });

  it('honours the clock tolerance for exp and nbf', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(keys.RS256, goodClaims(issuer, PUBLIC_URL, { exp: now - 10, nbf: now + 10 }));
    await expect(verifyAccessToken(token, cfg.auth)).resolves.toMatchObject({ subject: 'user-123' });
  });
});

describe('policy around valid signatures', () => {
  it('an algorithm the JWKS has but the allow-list lacks is refused', async () => {
    const result = await authenticate(bearer(await sign(keys.RS384, goodClaims(issuer, PUBLIC_URL))), cfg);
    expect(result.ok ? 200 : result.status).toBe(401);
    const widened = loadConfig({
      MCP_PUBLIC_URL: PUBLIC_URL,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${srv.origin}/certs`,
      AUTH_ALGORITHMS: 'RS256,RS384',
    });
    expect((await authenticate(bearer(await sign(keys.RS384, goodClaims(issuer, PUBLIC_URL))), widened)).ok).toBe(true);
  });

  it('a valid token without the required scope gets 403 insufficient_scope', async () => {
    const token = await sign(keys.RS256, goodClaims(issuer, PUBLIC_URL, { scope: 'openid profile' }));
    const result = await authenticate(bearer(token), cfg);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(403);
    expect(result.reason).toBe('insufficient_scope: mcp:tools');
    expect(result.response.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", scope="mcp:tools", resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    expect(await result.response.text()).not.toContain(token);
  });

  it('toAuthInfo never carries the token, and identityOf reads back the same identity', async () => {
    const token = await sign(keys.RS256, goodClaims(issuer, PUBLIC_URL, { sid: 's-9' }));
    const result = await authenticate(bearer(token), cfg);
    if (!result.ok) throw new Error(result.reason);
    const info = toAuthInfo(result.identity, {
      audience: cfg.auth.audience,
      resourceMetadataUrl: cfg.resourceMetadataUrl,
    });
    expect(info.token).toBe('');
    expect(JSON.stringify(info)).not.toContain(token.split('.')[2]);
    expect(info).toMatchObject({
      clientId: 'client-abc',
      scopes: ['mcp:tools'],
      expiresAt: result.identity.expiresAt,
      resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    });
    expect(info.resource?.href).toBe(PUBLIC_URL);
    expect(identityOf(info)).toEqual({
      subject: 'user-123',
      clientId: 'client-abc',
      scopes: ['mcp:tools'],
      expiresAt: result.identity.expiresAt,
      issuer,
      jti: result.identity.jti,
      sid: 's-9',
    });
  });

  it('identityOf without our AuthInfo is anonymous with no scopes (never a foreign extra.subject)', () => {
    const anonymous = { subject: 'anonymous', clientId: undefined, scopes: [], expiresAt: 0, issuer: '' };
    expect(identityOf(undefined)).toEqual(anonymous);
    expect(identityOf({ token: '', clientId: 'x', scopes: ['mcp:admin'], extra: { subject: 'root' } })).toEqual(
      anonymous,
    );
  });

  it('AUTH_DISABLED=true yields the anonymous identity with every supported scope', async () => {
    // The supported scopes follow the tool catalogue (the demo tools declare mcp:admin; tools/ may add), as in the
    // functions.
    const open = loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_DISABLED: 'true' }, { tools: toolManifest });
    const supported = ['mcp:tools', ...declaredScopes({ tools: toolManifest }, true).map((s) => s.name)];
    expect(supported).toContain('mcp:admin');
    const result = await authenticate(new Request(PUBLIC_URL), open);
    expect(result).toEqual({
      ok: true,
      identity: {
        subject: 'anonymous',
        clientId: undefined,
        scopes: supported,
        expiresAt: 0,
        issuer: '',
      },
    });
  });
});
