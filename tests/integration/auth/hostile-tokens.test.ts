// The hostile-token matrix: every case must get its challenge (401, or 400 for a token in the query
// string or a form body), never a 5xx, never an echo of the token, and must not make us fetch keys we
// should not fetch. Keys are made here and served from a real JWKS server on loopback.

import { exportSPKI, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authenticate } from '../../../lib/auth/index.ts';
import { resetJwksCaches } from '../../../lib/auth/jwks.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import {
  b64url,
  goodClaims,
  jwksOf,
  type KeyServer,
  makeKey,
  sign,
  startKeyServer,
  type TestKey,
} from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
const PRM_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const JWKS_PATH = '/realms/mcp/protocol/openid-connect/certs';

let srv: KeyServer;
let evil: KeyServer;
let rsa: TestKey;
let attacker: TestKey;
let cfg: Config;
let issuer: string;

function request(token: string, init: RequestInit = {}, url = PUBLIC_URL): Request {
  return new Request(url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
}

async function expectRejected(
  req: Request,
  expected: { status?: number; error?: string; description?: RegExp },
  secret?: string,
) {
  const result = await authenticate(req, cfg);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const { response } = result;
  const status = expected.status ?? 401;
  expect(response.status).toBe(status);
  expect(result.status).toBe(status);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge.startsWith('Bearer ')).toBe(true);
  expect(challenge).toContain(`resource_metadata="${PRM_URL}"`);
  expect(challenge).toContain(`error="${expected.error ?? 'invalid_token'}"`);
  if (status === 401) expect(challenge).toContain('scope="mcp:tools"');
  expect(response.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = await response.text();
  const json = JSON.parse(body) as { error: string; error_description: string };
  expect(json.error).toBe(expected.error ?? 'invalid_token');
  if (expected.description) expect(json.error_description).toMatch(expected.description);
  if (secret) {
    expect(body).not.toContain(secret);
    expect(challenge).not.toContain(secret);
    expect(result.reason).not.toContain(secret);
  }
  return json;
}

const expectTokenRejected = (token: string, description?: RegExp) =>
  expectRejected(request(token), description ? { description } : {}, token);

beforeAll(async () => {
  srv = await startKeyServer();
  evil = await startKeyServer();
  rsa = await makeKey('RS256', 'rsa-1');
  attacker = await makeKey('RS256', 'attacker');
  srv.serve(JWKS_PATH, jwksOf(rsa));
  evil.serve('/jwks', jwksOf(attacker));
  evil.serve('/x5u', jwksOf(attacker));
  issuer = `${srv.origin}/realms/mcp`;
  cfg = loadConfig({
    MCP_PUBLIC_URL: PUBLIC_URL,
    AUTH_ISSUER: issuer,
    AUTH_JWKS_URL: `${srv.origin}${JWKS_PATH}`,
  });
  resetJwksCaches();
  // Warm the key set with one good token, so later counts show refetches only.
  const ok = await authenticate(request(await sign(rsa, goodClaims(issuer, PUBLIC_URL))), cfg);
  expect(ok.ok).toBe(true);
  expect(srv.count(JWKS_PATH)).toBe(1);
});

afterAll(async () => {
  await srv.stop();
  await evil.stop();
});

describe('hostile tokens get 401 invalid_token with the challenge', () => {
  const claims = () => goodClaims(issuer, PUBLIC_URL);
  let fetchesBefore = 0;
  beforeEach(() => {
    fetchesBefore = srv.count(JWKS_PATH);
  });
  const expectNoKeyFetch = () => expect(srv.count(JWKS_PATH)).toBe(fetchesBefore);

  it('alg none (unsigned), without touching the JWKS', async () => {
    await expectTokenRejected(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`, /algorithm/);
    await expectTokenRejected(`${b64url({ alg: 'none' })}.${b64url(claims())}.`, /algorithm/);
    await expectTokenRejected(`${b64url({ alg: 'NONE', kid: 'rsa-1' })}.${b64url(claims())}.`, /algorithm/);
    expectNoKeyFetch();
  });

  it('HS256 signed with the RSA public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, pem.trim(), JSON.stringify(rsa.publicJwk)]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1', typ: 'at+jwt' })
        .sign(new TextEncoder().encode(secret));
      await expectTokenRejected(token, /algorithm/);
    }
    expectNoKeyFetch();
  });

  it('expired (beyond the clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectTokenRejected(await sign(rsa, { ...claims(), iat: now - 600, exp: now - 120 }), /expired/);
  });

  it('exp missing', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expectTokenRejected(await sign(rsa, noExp), /exp claim/);
  });

  it('nbf in the future (beyond the clock tolerance)', async () => {
    await expectTokenRejected(await sign(rsa, { ...claims(), nbf: Math.floor(Date.now() / 1000) + 600 }), /nbf claim/);
  });

  it('iat in the future (beyond the clock tolerance)', async () => {
    await expectTokenRejected(await sign(rsa, { ...claims(), iat: Math.floor(Date.now() / 1000) + 600 }), /iat claim/);
  });

  it('wrong iss, including near misses', async () => {
    for (const iss of ['https://evil.example.com/realms/mcp', `${issuer}/`, issuer.toUpperCase(), `${issuer}x`]) {
      await expectTokenRejected(await sign(rsa, { ...claims(), iss }), /iss claim/);
    }
    const { iss: _iss, ...noIss } = claims();
    await expectTokenRejected(await sign(rsa, noIss), /iss claim/);
  });

  it('wrong aud, no aud, and Keycloak `account` alone', async () => {
    const auds: Array<JWTPayload['aud']> = [
      'https://other.example.com/mcp',
      `${PUBLIC_URL}/`,
      'account',
      ['account'],
      ['account', 'https://other.example.com/mcp'],
      [],
    ];
    for (const aud of auds) await expectTokenRejected(await sign(rsa, { ...claims(), aud }), /aud claim/);
    const { aud: _aud, ...noAud } = claims();
    await expectTokenRejected(await sign(rsa, noAud), /aud claim/);
    expectNoKeyFetch();
  });

  it('bad signature: another key under our kid, and a tampered payload', async () => {
    await expectTokenRejected(await sign(attacker, claims(), { kid: 'rsa-1' }), /signature/);
    const [h, , s] = (await sign(rsa, claims())).split('.');
    const tampered = `${h}.${b64url({ ...claims(), scope: 'mcp:tools mcp:admin' })}.${s}`;
    await expectTokenRejected(tampered, /signature/);
    expectNoKeyFetch();
  });

  it('truncated token', async () => {
    const token = await sign(rsa, claims());
    await expectTokenRejected(token.slice(0, -10));
    await expectTokenRejected(token.split('.').slice(0, 2).join('.'), /malformed/);
    await expectTokenRejected(token.split('.')[0] as string, /malformed/);
    await expectTokenRejected(token.slice(0, token.indexOf('.') - 3), /malformed/);
  });

  it('non-base64 segments', async () => {
    const [h, p, s] = (await sign(rsa, claims())).split('.');
    await expectTokenRejected(`${h}.${p}.${s}!!`, /malformed/); // not even a b64token: refused by the parser
    await expectTokenRejected(`${h}.ab~c/d+e.${s}`); // b64token, but not base64url
    await expectTokenRejected(`${b64url('not json')}.${p}.${s}`, /malformed/);
    await expectTokenRejected(`${h}.${b64url('not json')}.${s}`);
    expectNoKeyFetch();
  });

  it('oversized token: refused before parsing', async () => {
    const big = await sign(rsa, { ...claims(), pad: 'x'.repeat(cfg.auth.maxTokenBytes) });
    expect(big.length).toBeGreaterThan(cfg.auth.maxTokenBytes);
    await expectTokenRejected(big, /too large/);
    await expectTokenRejected('a'.repeat(100_000), /too large/);
    expectNoKeyFetch();
  });

  it('crit headers', async () => {
    // jose refuses to sign unknown crit extensions unless told it understands them.
    const ext = 'http://example.com/ext';
    await expectTokenRejected(await sign(rsa, claims(), { crit: [ext], [ext]: 1 }, { [ext]: true }), /critical/);
    await expectTokenRejected(await sign(rsa, claims(), { crit: ['exp'], exp: 1 }, { exp: true }), /critical/);
    expectNoKeyFetch();
  });

  it('jku / x5u / embedded jwk injection: the attacker key server is never contacted', async () => {
    const injections: Array<Record<string, unknown>> = [
      { kid: 'attacker', jku: `${evil.origin}/jwks` },
      { kid: 'rsa-1', jku: `${evil.origin}/jwks` },
      { kid: 'attacker', x5u: `${evil.origin}/x5u` },
      { kid: 'rsa-1', x5u: `${evil.origin}/x5u` },
      { kid: 'attacker', jwk: attacker.publicJwk },
      { kid: 'rsa-1', jwk: attacker.publicJwk },
      { jwk: attacker.publicJwk, kid: undefined },
    ];
    for (const header of injections) await expectTokenRejected(await sign(attacker, claims(), header));
    expect(evil.count('/jwks')).toBe(0);
    expect(evil.count('/x5u')).toBe(0);
  });

  it('ID tokens: Keycloak typ "ID", OIDC nonce/at_hash without scope, and an id typ header', async () => {
    await expectTokenRejected(await sign(rsa, { ...claims(), typ: 'ID' }, { typ: 'JWT' }), /ID tokens/);
    await expectTokenRejected(await sign(rsa, { ...claims(), typ: 'Refresh' }, { typ: 'JWT' }), /ID tokens/);
    const { scope: _scope, ...noScope } = claims();
    await expectTokenRejected(
      await sign(rsa, { ...noScope, nonce: 'n-1', at_hash: 'abc' }, { typ: 'JWT' }),
      /ID tokens/,
    );
    await expectTokenRejected(await sign(rsa, claims(), { typ: 'id+jwt' }), /type/);
    await expectTokenRejected(await sign(rsa, claims(), { typ: 'logout+jwt' }), /type/);
  });

  it('client not on the allow-list (azp / client_id)', async () => {
    const saved = cfg;
    cfg = { ...cfg, auth: { ...cfg.auth, allowedClientIds: ['inspector'] } };
    try {
      await expectTokenRejected(await sign(rsa, claims()), /client/);
      await expectTokenRejected(await sign(rsa, { ...claims(), client_id: undefined, azp: 'evil' }), /client/);
      const ok = await authenticate(request(await sign(rsa, { ...claims(), client_id: 'inspector' })), cfg);
      expect(ok.ok).toBe(true);
    } finally {
      cfg = saved;
    }
  });
});

describe('tokens outside the Authorization header are refused with 400', () => {
  it('access_token in the query string, even alongside a valid header', async () => {
    const token = await sign(rsa, goodClaims(issuer, PUBLIC_URL));
    await expectRejected(
      new Request(`${PUBLIC_URL}?access_token=${token}`),
      { status: 400, error: 'invalid_request', description: /query string/ },
      token,
    );
    await expectRejected(
      request(token, {}, `${PUBLIC_URL}?x=1&access_token=${token}`),
      { status: 400, error: 'invalid_request' },
      token,
    );
  });

  it('access_token in a form body; the body stays readable', async () => {
    const token = await sign(rsa, goodClaims(issuer, PUBLIC_URL));
    const req = new Request(PUBLIC_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: `access_token=${token}&x=1`,
    });
    await expectRejected(req, { status: 400, error: 'invalid_request', description: /form body/ }, token);
    expect(await req.text()).toContain('x=1');
  });
});

describe('malformed Authorization headers get 401', () => {
  it('no header, another scheme: challenge without an error code', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic ZGV2OmRldg==' },
      { authorization: 'DPoP abc' },
    ]) {
      const result = await authenticate(new Request(PUBLIC_URL, { headers }), cfg);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.status).toBe(401);
      expect(result.response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${PRM_URL}", scope="mcp:tools"`,
      );
    }
  });

  it('Bearer with no token is invalid_request; junk after Bearer is invalid_token', async () => {
    for (const authorization of ['Bearer', 'Bearer    ']) {
      await expectRejected(new Request(PUBLIC_URL, { headers: { authorization } }), { error: 'invalid_request' });
    }
    const token = await sign(rsa, goodClaims(issuer, PUBLIC_URL));
    for (const authorization of [`Bearer ${token} ${token}`, `Bearer ${token}, Bearer ${token}`, 'Bearer "abc"']) {
      await expectRejected(new Request(PUBLIC_URL, { headers: { authorization } }), { error: 'invalid_token' }, token);
    }
  });
});

describe('unknown kid', () => {
  const path = '/kid-test/certs';
  let kidCfg: Config;
  beforeAll(() => {
    srv.serve(path, jwksOf(rsa));
    kidCfg = loadConfig({
      MCP_PUBLIC_URL: PUBLIC_URL,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${srv.origin}${path}`,
      AUTH_JWKS_COOLDOWN_MS: '400',
    });
  });

  it('refetches exactly once, then 401; a second unknown kid within the cooldown does not refetch', async () => {
    const good = await authenticate(request(await sign(rsa, goodClaims(issuer, PUBLIC_URL))), kidCfg);
    expect(good.ok).toBe(true);
    expect(srv.count(path)).toBe(1);
    await new Promise((r) => setTimeout(r, 450)); // past the cooldown that follows the first fetch
    const ghost = await makeKey('RS256', 'ghost-1');
    const first = await authenticate(request(await sign(ghost, goodClaims(issuer, PUBLIC_URL))), kidCfg);
    expect(first.ok ? 200 : first.status).toBe(401);
    expect(srv.count(path)).toBe(2);
    const ghost2 = await makeKey('RS256', 'ghost-2');
    const second = await authenticate(request(await sign(ghost2, goodClaims(issuer, PUBLIC_URL))), kidCfg);
    expect(second.ok ? 200 : second.status).toBe(401);
    if (!second.ok) expect(second.reason).toMatch(/No signing key/);
    expect(srv.count(path)).toBe(2);
    // A rotated-in key is picked up by the refetch that an unknown kid triggers after the cooldown.
    await new Promise((r) => setTimeout(r, 450));
    srv.serve(path, jwksOf(rsa, ghost));
    const rotated = await authenticate(request(await sign(ghost, goodClaims(issuer, PUBLIC_URL))), kidCfg);
    expect(rotated.ok).toBe(true);
    expect(srv.count(path)).toBe(3);
  });
});
