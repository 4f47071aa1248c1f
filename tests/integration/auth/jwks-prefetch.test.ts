// prefetchSigningKeys (lib/auth/jwks.ts): bounded by AUTH_JWKS_TIMEOUT_MS, never rejects, fills the caches a
// verification reads, and fails exactly as a request's own fetch would. Real loopback AS (key-server.ts), real tokens.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prefetchSigningKeys, resetJwksCaches, resolveJwksUri } from '../../../lib/auth/jwks.ts';
import { verifyAccessToken } from '../../../lib/auth/verify.ts';
import { loadConfig } from '../../../lib/config.ts';
import { goodClaims, jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
let srv: KeyServer;
let key: TestKey;
let issuer: string;

beforeAll(async () => {
  srv = await startKeyServer();
  key = await makeKey('RS256', 'rs-1');
  issuer = `${srv.origin}/realms/mcp`;
  srv.serve('/realms/mcp/.well-known/openid-configuration', { issuer, jwks_uri: `${srv.origin}/certs` });
  srv.serve('/certs', jwksOf(key));
});
afterAll(() => srv.stop());
beforeEach(() => resetJwksCaches());

const auth = (env: Record<string, string> = {}) =>
  loadConfig({
    MCP_PUBLIC_URL: PUBLIC_URL,
    AUTH_ISSUER: issuer,
    AUTH_JWKS_TIMEOUT_MS: '300',
    AUTH_JWKS_COOLDOWN_MS: '60000',
    ...env,
  }).auth;

describe('prefetchSigningKeys', () => {
  it('fetches discovery and the key set once; the first verification then fetches nothing', async () => {
    const cfg = auth();
    const [docs, certs] = [srv.count('/realms/mcp/.well-known/openid-configuration'), srv.count('/certs')];
    let sent = 0;
    expect(await prefetchSigningKeys(cfg, () => sent++)).toBe(true);
    expect(sent).toBe(1);
    await verifyAccessToken(await sign(key, goodClaims(issuer, PUBLIC_URL)), cfg);
    expect(srv.count('/realms/mcp/.well-known/openid-configuration') - docs).toBe(1);
    expect(srv.count('/certs') - certs).toBe(1);
  });

  it('AS down: resolves false; discovery then cools down as after a failed request (the outage rule is unchanged)', async () => {
    const cfg = auth();
    await srv.stop();
    let sent = 0;
    try {
      expect(await prefetchSigningKeys(cfg, () => sent++)).toBe(false);
      expect(sent).toBe(1);
    } finally {
      await srv.restart();
    }
    await expect(resolveJwksUri(cfg)).rejects.toThrow(); // within the cooldown, as after a request's failure
    resetJwksCaches(); // after the cooldown
    const identity = await verifyAccessToken(await sign(key, goodClaims(issuer, PUBLIC_URL)), cfg);
    expect(identity.subject).toBeTruthy();
  });

  it('a JWKS that never answers: bounded by the timeout, resolves false, and a later fetch is not blocked', async () => {
    const cfg = auth({ AUTH_JWKS_URL: `${srv.origin}/hanging-certs` });
    srv.hang('/hanging-certs');
    const order: string[] = [];
    const result = await prefetchSigningKeys(cfg, () => order.push('sent')).then((ok) => {
      order.push('settled');
      return ok;
    });
    expect(result).toBe(false);
    expect(order).toEqual(['sent', 'settled']);
    expect(srv.count('/hanging-certs')).toBe(1);
    // A token now (the same URL, still hanging) is a 401-style AuthError, never a hang or a 5xx.
    await expect(verifyAccessToken(await sign(key, goodClaims(issuer, PUBLIC_URL)), cfg)).rejects.toMatchObject({
      code: 'invalid_token',
    });
    expect(srv.count('/hanging-certs')).toBe(2); // fetched again: the failed prefetch set no jose cooldown
  });
});
