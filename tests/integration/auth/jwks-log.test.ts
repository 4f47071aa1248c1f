// When the signing keys cannot be fetched, callers get 401 and the operator gets ONE operational line per cause (the
// issuer, or the JWKS URL) per minute, naming the URL and what went wrong, never the token (#15: "nothing in the log").
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findJwtShaped } from '../../../lib/audit/scan.ts';
import { authenticate } from '../../../lib/auth/index.ts';
import { resetJwksCaches } from '../../../lib/auth/jwks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { freePort } from '../../e2e/login/login-flow.ts';
import { type Captured, captureOutput } from '../../unit/telemetry/capture.ts';
import { goodClaims, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
let srv: KeyServer;
let key: TestKey;
let out: Captured | undefined;

beforeAll(async () => {
  srv = await startKeyServer();
  key = await makeKey('ES256', 'log-1');
});
afterAll(() => srv.stop());
afterEach(() => {
  out?.restore();
  out = undefined;
  resetJwksCaches();
});

const bearer = (token: string) => new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The operational lines with this message, parsed. */
const lines = (c: Captured, message: string) => c.json().filter((l) => l.message === message);

describe('signing keys that cannot be fetched', () => {
  it('an issuer nobody answers for: 401s, and one WARN line naming the issuer and each URL tried', async () => {
    const issuer = `http://127.0.0.1:${await freePort()}/realms/mcp`;
    // A short cooldown: discovery is retried on later requests, and still only one line is written.
    const cfg = loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: issuer, AUTH_JWKS_COOLDOWN_MS: '50' });
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL));
    out = captureOutput();
    for (let i = 0; i < 4; i++) {
      const r = await authenticate(bearer(token), cfg);
      expect(r.ok ? 200 : r.status).toBe(401);
      await sleep(60);
    }
    const found = lines(out, 'signing keys unavailable: no discovery document names AUTH_ISSUER');
    out.restore();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 'WARN', cause: issuer, issuer, _stream: 'stderr' });
    const tried = found[0]!.tried as string[];
    expect(tried).toHaveLength(3);
    for (const t of tried) expect(t).toMatch(/ -> ECONNREFUSED$/);
    expect(tried[0]).toContain('/.well-known/oauth-authorization-server/realms/mcp');
    expect(findJwtShaped(JSON.stringify(found))).toEqual([]);
  });

  it('a JWKS URL that answers 500: one WARN line naming it and the error, however many requests fail', async () => {
    const issuer = `${srv.origin}/realms/logs`;
    srv.serve('/logs/certs', { error: 'down' }, 500);
    const cfg = loadConfig({
      MCP_PUBLIC_URL: PUBLIC_URL,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${srv.origin}/logs/certs`,
      AUTH_JWKS_COOLDOWN_MS: '0',
    });
    out = captureOutput();
    for (let i = 0; i < 5; i++) {
      const r = await authenticate(bearer(await sign(key, goodClaims(issuer, PUBLIC_URL))), cfg);
      expect(r.ok ? 200 : r.status).toBe(401);
    }
    const found = lines(out, 'signing keys unavailable');
    out.restore();
    expect(srv.count('/logs/certs')).toBeGreaterThanOrEqual(2); // it did try again
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      level: 'WARN',
      cause: `${srv.origin}/logs/certs`,
      jwksUrl: `${srv.origin}/logs/certs`,
    });
    expect(String(found[0]!.error)).toMatch(/200|500/);
  });
});
