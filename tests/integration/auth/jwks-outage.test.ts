// A JWKS outage must never become a 5xx: cached keys keep verifying, unknown kids get 401 within the
// timeout, and verification recovers once the key server is back.

import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../../lib/auth/index.ts';
import { remoteKeySet } from '../../../lib/auth/jwks.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import { goodClaims, jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
const COOLDOWN = 300;
const TIMEOUT = 500;
let srv: KeyServer;
let key: TestKey;
let issuer: string;

const bearer = (token: string) => new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusOf = (r: Awaited<ReturnType<typeof authenticate>>) => (r.ok ? 200 : r.status);
const configFor = (path: string): Config =>
  loadConfig({
    MCP_PUBLIC_URL: PUBLIC_URL,
    AUTH_ISSUER: issuer,
    AUTH_JWKS_URL: `${srv.origin}${path}`,
    AUTH_JWKS_COOLDOWN_MS: String(COOLDOWN),
    AUTH_JWKS_TIMEOUT_MS: String(TIMEOUT),
  });

beforeAll(async () => {
  srv = await startKeyServer();
  key = await makeKey('ES256', 'es-1');
  issuer = `${srv.origin}/realms/mcp`;
});

afterAll(() => srv.stop());

describe('JWKS server stopped mid-test', () => {
  it('warm keys keep working, unknown kid is 401, and verification recovers after restart', async () => {
    const path = '/outage/certs';
    srv.serve(path, jwksOf(key));
    const cfg = configFor(path);
    expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
    expect(srv.count(path)).toBe(1);

    await srv.stop();
    for (let i = 0; i < 5; i++) {
      expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
    }
    await sleep(COOLDOWN + 50);
    const rotated = await makeKey('ES256', 'es-2');
    const started = Date.now();
    const unknown = await authenticate(bearer(await sign(rotated, goodClaims(issuer, PUBLIC_URL))), cfg);
    expect(statusOf(unknown)).toBe(401);
    expect(Date.now() - started).toBeLessThan(TIMEOUT + 1000);
    // Cached keys still work right after the failed refetch.
    expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);

    srv.serve(path, jwksOf(key, rotated));
    await srv.restart();
    await sleep(COOLDOWN + 50);
    const before = srv.count(path);
    expect(statusOf(await authenticate(bearer(await sign(rotated, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
    expect(srv.count(path)).toBe(before + 1);
    expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
  });

  it('a hanging JWKS endpoint costs at most the timeout, then 401', async () => {
    const path = '/hang/certs';
    srv.serve(path, jwksOf(key));
    const cfg = configFor(path);
    expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
    srv.hang(path);
    await sleep(COOLDOWN + 50);
    const ghost = await makeKey('ES256', 'ghost');
    const started = Date.now();
    expect(statusOf(await authenticate(bearer(await sign(ghost, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(401);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 50);
    expect(elapsed).toBeLessThan(TIMEOUT + 1000);
    // Within the cooldown after that failure, nobody waits for the hanging server again.
    // Counted, not timed: no request reaches the hanging server within the cooldown.
    const fetched = srv.count(path);
    expect(statusOf(await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(200);
    expect(statusOf(await authenticate(bearer(await sign(ghost, goodClaims(issuer, PUBLIC_URL))), cfg))).toBe(401);
    expect(srv.count(path)).toBe(fetched);
  });

  it('no keys reachable at all (cold instance, server down) is 401 invalid_token, not 5xx', async () => {
    const cfg = loadConfig({
      MCP_PUBLIC_URL: PUBLIC_URL,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: 'http://127.0.0.1:9/certs',
      AUTH_JWKS_TIMEOUT_MS: String(TIMEOUT),
    });
    const result = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(401);
    expect(result.reason).toBe('invalid_token: The signing keys are unavailable');
    expect(result.response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a 500 or non-JSON JWKS response is an unavailable key set, not a 5xx', async () => {
    srv.serve('/broken/certs', { oops: true }, 500);
    const cfg = configFor('/broken/certs');
    const result = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg);
    expect(statusOf(result)).toBe(401);
  });

  it('stale-if-error: keys older than cacheMaxAge keep verifying while the server is down', async () => {
    const path = '/stale/certs';
    srv.serve(path, jwksOf(key));
    const getKey = remoteKeySet(new URL(`${srv.origin}${path}`), {
      jwksTimeoutMs: TIMEOUT,
      jwksCooldownMs: COOLDOWN,
      cacheMaxAgeMs: 100,
    });
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL));
    await jwtVerify(token, getKey);
    expect(srv.count(path)).toBe(1);
    await sleep(150);
    await jwtVerify(token, getKey); // stale: jose refetches
    expect(srv.count(path)).toBe(2);
    await srv.stop();
    await sleep(150);
    await expect(jwtVerify(token, getKey)).resolves.toBeTruthy(); // refetch fails, last keys still verify
    await expect(jwtVerify(token, getKey)).resolves.toBeTruthy(); // within cooldown: no new attempt
    await srv.restart();
    await sleep(COOLDOWN + 50);
    await jwtVerify(token, getKey);
    expect(srv.count(path)).toBe(3);
  });
});
