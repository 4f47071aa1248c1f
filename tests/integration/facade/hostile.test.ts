// The registration façade under attack (RFC 9700), hostile cases first, over real sockets: the façade app in front
// of the embedded dev AS with registration OFF. The happy path at the end proves the same setup works.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkcePair } from '../../../local/oauth-login.ts';
import {
  authorizeUrl,
  codeParams,
  type Facade,
  login,
  newSigningKey,
  REDIRECT,
  register,
  registerClient,
  startFacade,
  token,
} from './harness.ts';

let f: Facade;
let clientId: string;

beforeAll(async () => {
  f = await startFacade();
  clientId = await registerClient(f);
});
afterAll(async () => {
  await f?.stop();
});

const noFollow = (url: string, init: RequestInit = {}) => fetch(url, { ...init, redirect: 'manual' });

/** The query of a 302 to the client's redirect URI. */
function redirectQuery(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
  return new URL(location).searchParams;
}

describe('the upstream really has registration off', () => {
  it('its metadata names no registration endpoint and its registration path answers 404', async () => {
    const meta = (await (await fetch(`${f.upstream.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.registration_endpoint).toBeUndefined();
    const res = await fetch(`${f.upstream.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    });
    expect(res.status).toBe(404);
  });
});

describe('DCR refuses what RFC 9700 and RFC 7591 rule out', () => {
  it.each([
    ['http on a non-loopback host', 'http://evil.example/cb', 'invalid_redirect_uri'],
    ['a fragment', 'http://127.0.0.1:9999/cb#frag', 'invalid_redirect_uri'],
    ['a javascript: URI', 'javascript:alert(1)', 'invalid_redirect_uri'],
    ['credentials in the URI', 'https://user:pw@client.example/cb', 'invalid_redirect_uri'],
    ['a relative URI', '/cb', 'invalid_redirect_uri'],
  ])('redirect URI with %s -> 400 %s', async (_what, uri, error) => {
    const res = await register(f, { redirect_uris: [uri], token_endpoint_auth_method: 'none' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(error);
  });

  it('no redirect URIs, an unsupported client auth method, or an implicit response type -> 400', async () => {
    for (const body of [
      { token_endpoint_auth_method: 'none' },
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt' },
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_jwt' },
      { redirect_uris: [REDIRECT], response_types: ['token'] },
      { redirect_uris: [REDIRECT], grant_types: ['client_credentials'] },
    ]) {
      const res = await register(f, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      await res.body?.cancel();
    }
  });

  it('a body with __proto__ / constructor keys is refused and pollutes nothing', async () => {
    for (const raw of [
      `{"__proto__":{"redirect_uris":["${REDIRECT}"],"polluted":true},"token_endpoint_auth_method":"none"}`,
      `{"redirect_uris":["${REDIRECT}"],"constructor":{"prototype":{"polluted":true}}}`,
      `{"redirect_uris":["${REDIRECT}"],"client_name":{"__proto__":{"polluted":true}}}`,
    ]) {
      const res = await register(f, raw);
      expect(res.status, raw).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client_metadata');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).redirect_uris).toBeUndefined();
  });

  it('a non-JSON or oversized body is refused', async () => {
    const notJson = await fetch(`${f.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(notJson.status).toBe(400);
    await notJson.body?.cancel();
    const big = await register(f, { redirect_uris: [REDIRECT], client_name: 'x'.repeat(20_000) });
    expect(big.status).toBe(400);
    await big.body?.cancel();
  });
});

describe('/oauth/authorize: untrusted client or redirect URI -> an error page, never a redirect', () => {
  const { challenge } = pkcePair();
  it.each([
    ['an unknown client', { client_id: 'dcr_nobody' }],
    ['no client_id', { client_id: undefined }],
    ['an unregistered redirect URI', { redirect_uri: 'http://127.0.0.1:9999/other' }],
    ['a prefix trick (path)', { redirect_uri: `${REDIRECT}/../evil` }],
    ['a prefix trick (host)', { redirect_uri: 'http://127.0.0.1:9999/callback.evil.example' }],
    ['an extra query', { redirect_uri: `${REDIRECT}?next=https://evil.example` }],
    ['a fragment', { redirect_uri: `${REDIRECT}#x` }],
    ['no redirect URI', { redirect_uri: undefined }],
    ['an oversized client_id', { client_id: `dcr_${'x'.repeat(4000)}` }],
  ])('%s', async (_what, params) => {
    const res = await noFollow(authorizeUrl(f, clientId, challenge, params));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    await res.body?.cancel();
  });
});

describe('/oauth/authorize: bad requests from a trusted client -> redirect with the error, state and iss', () => {
  const { challenge } = pkcePair();
  it.each([
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a malformed challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['another resource', { resource: 'https://other.example/mcp' }, 'invalid_target'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['only unknown scopes', { scope: 'email offline_access' }, 'invalid_scope'],
  ])('%s -> %s', async (_what, params, error) => {
    const q = redirectQuery(await noFollow(authorizeUrl(f, clientId, challenge, params)));
    expect(q.get('error')).toBe(error);
    expect(q.get('state')).toBe('client-state-1');
    expect(q.get('iss')).toBe(f.issuer);
    expect(q.get('code')).toBeNull();
  });
});

describe('consent cannot be bypassed', () => {
  async function consentPage(): Promise<{ cookie: string; request: string; csrf: string; res: Response }> {
    const { challenge } = pkcePair();
    const res = await noFollow(authorizeUrl(f, clientId, challenge));
    expect(res.status).toBe(200);
    const html = await res.text();
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const request = /name="request" value="([^"]+)"/.exec(html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    return { cookie, request, csrf, res };
  }
  const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    noFollow(`${f.issuer}/oauth/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });

  it('the page cannot be framed, is not cached, and its cookie is HttpOnly SameSite=Lax', async () => {
    const { res } = await consentPage();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const setCookie = res.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
  });

  it('approval without the browser cookie is 403, and burns the request (a proper retry is 400)', async () => {
    const p = await consentPage();
    const forged = await post({ request: p.request, csrf: p.csrf, decision: 'approve' });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    await forged.body?.cancel();
    const retry = await post({ request: p.request, csrf: p.csrf, decision: 'approve' }, { cookie: p.cookie });
    expect(retry.status).toBe(400);
    await retry.body?.cancel();
  });

  it("approval of the victim's request with the attacker's own cookie and token is 403", async () => {
    const victim = await consentPage();
    const attacker = await consentPage();
    const res = await post(
      { request: victim.request, csrf: attacker.csrf, decision: 'approve' },
      { cookie: attacker.cookie },
    );
    expect(res.status).toBe(403);
    await res.body?.cancel();
  });

  it('approval posted from another origin is 403; GET on the consent endpoint is 404', async () => {
    const p = await consentPage();
    const res = await post(
      { request: p.request, csrf: p.csrf, decision: 'approve' },
      { cookie: p.cookie, origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    await res.body?.cancel();
    const get = await noFollow(`${f.issuer}/oauth/consent?request=${p.request}&csrf=${p.csrf}&decision=approve`, {
      headers: { cookie: p.cookie },
    });
    expect(get.status).toBe(404);
    await get.body?.cancel();
  });

  it('deny redirects to the client with access_denied and the state, no code', async () => {
    const p = await consentPage();
    const q = redirectQuery(await post({ request: p.request, csrf: p.csrf, decision: 'deny' }, { cookie: p.cookie }));
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe('client-state-1');
    expect(q.get('code')).toBeNull();
  });

  it('approve with the right cookie goes to the upstream with the façade client, its own PKCE and state', async () => {
    const p = await consentPage();
    const res = await post({ request: p.request, csrf: p.csrf, decision: 'approve' }, { cookie: p.cookie });
    expect(res.status).toBe(302);
    const up = new URL(res.headers.get('location')!);
    expect(up.href.startsWith(f.upstream.issuer)).toBe(true);
    expect(up.searchParams.get('client_id')).toBe('mcp-facade');
    expect(up.searchParams.get('redirect_uri')).toBe(`${f.issuer}/oauth/callback`);
    expect(up.searchParams.get('code_challenge_method')).toBe('S256');
    expect(up.searchParams.get('state')).not.toBe('client-state-1');
    expect(up.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'mcp:tools', 'mcp:admin']),
    );
  });
});

describe('the upstream callback', () => {
  it('an unknown state is an error page (no redirect); a replayed callback too', async () => {
    const made = await noFollow(`${f.issuer}/oauth/callback?state=made-up&code=x`);
    expect(made.status).toBe(400);
    expect(made.headers.get('location')).toBeNull();
    await made.body?.cancel();
  });

  it('a tampered state fails, and a callback URL works once only', async () => {
    // Drive the browser until the upstream redirects to the façade callback, then stop.
    const { challenge } = pkcePair();
    const { driveAuthorization } = await import('../../../local/oauth-login.ts');
    const cb = await driveAuthorization({
      authorizationUrl: authorizeUrl(f, clientId, challenge),
      redirectUri: `${f.issuer}/oauth/callback`,
      username: 'dev',
      password: 'dev',
    });
    const good = new URL(`${f.issuer}/oauth/callback?${cb}`);
    const tampered = new URL(good);
    tampered.searchParams.set('state', `${good.searchParams.get('state')}x`);
    const bad = await noFollow(tampered.href);
    expect(bad.status).toBe(400);
    await bad.body?.cancel();
    const first = redirectQuery(await noFollow(good.href));
    expect(first.get('code')).toBeTruthy();
    expect(first.get('state')).toBe('client-state-1');
    const replay = await noFollow(good.href);
    expect(replay.status).toBe(400);
    await replay.body?.cancel();
  });
});

async function upstreamCallback(): Promise<URL> {
  const { challenge } = pkcePair();
  const { driveAuthorization } = await import('../../../local/oauth-login.ts');
  const cb = await driveAuthorization({
    authorizationUrl: authorizeUrl(f, clientId, challenge),
    redirectUri: `${f.issuer}/oauth/callback`,
    username: 'dev',
    password: 'dev',
  });
  return new URL(`${f.issuer}/oauth/callback?${cb}`);
}

describe('the upstream callback: mix-up and errors', () => {
  it('an iss other than the upstream (RFC 9207 mix-up) -> access_denied to the client, no code', async () => {
    const cb = await upstreamCallback();
    expect(cb.searchParams.get('iss')).toBe(f.upstream.issuer);
    cb.searchParams.set('iss', 'https://evil.example/realms/mcp');
    const q = redirectQuery(await noFollow(cb.href));
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('code')).toBeNull();
    expect(q.get('state')).toBe('client-state-1');
  });

  it('a forged upstream code is refused by the upstream -> access_denied, no code', async () => {
    const cb = await upstreamCallback();
    cb.searchParams.set('code', 'forged-code');
    const q = redirectQuery(await noFollow(cb.href));
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('code')).toBeNull();
  });
});

describe('/oauth/token', () => {
  it('a wrong code_verifier is invalid_grant and burns the code (the right one then fails too)', async () => {
    const { back, verifier } = await login(f, clientId);
    const wrong = await token(f, codeParams(clientId, back.get('code')!, pkcePair().verifier));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
    const right = await token(f, codeParams(clientId, back.get('code')!, verifier));
    expect(right.status).toBe(400);
    await right.body?.cancel();
  });

  it('no verifier, another client, another redirect URI, another resource: all refused', async () => {
    const other = await registerClient(f);
    const cases: Array<[Record<string, string>, string]> = [
      [{ code_verifier: '' }, 'invalid_grant'],
      [{ client_id: other }, 'invalid_grant'],
      [{ redirect_uri: 'http://127.0.0.1:9999/other' }, 'invalid_grant'],
      [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
    ];
    for (const [override, error] of cases) {
      const { back, verifier } = await login(f, clientId);
      const res = await token(f, { ...codeParams(clientId, back.get('code')!, verifier), ...override });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
  });

  it('a replayed code is refused and logged as a replay (without the code)', async () => {
    const { back, verifier } = await login(f, clientId);
    const code = back.get('code')!;
    const first = await token(f, codeParams(clientId, code, verifier));
    expect(first.status).toBe(200);
    await first.body?.cancel();
    const second = await token(f, codeParams(clientId, code, verifier));
    expect(second.status).toBe(400);
    const body = (await second.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(/already used/);
    const replay = f.events.find((e) => String(e.message).includes('replayed'));
    expect(replay?.client_id).toBe(clientId);
    expect(JSON.stringify(f.events)).not.toContain(code);
  });

  it('client authentication, other grant types and repeated parameters are refused', async () => {
    const basic = await token(
      f,
      { grant_type: 'authorization_code', code: 'x', client_id: clientId },
      {
        authorization: 'Basic eDp5',
      },
    );
    expect(basic.status).toBe(401);
    await basic.body?.cancel();
    for (const grant of ['client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const res = await token(f, { grant_type: grant, client_id: clientId });
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
    }
    const repeated = await fetch(`${f.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=a&code=b&client_id=x',
    });
    expect(((await repeated.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('confidential DCR clients (client_secret_post / client_secret_basic, as Claude connectors register)', () => {
  async function confidential(method: string): Promise<{ id: string; secret: string }> {
    const res = await register(f, { redirect_uris: [REDIRECT], token_endpoint_auth_method: method });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.token_endpoint_auth_method).toBe(method);
    expect(body.client_secret_expires_at).toBe(0);
    expect(body.secret_digest).toBeUndefined();
    return { id: String(body.client_id), secret: String(body.client_secret) };
  }
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  it('the token endpoint refuses a missing or wrong secret (401 invalid_client), burning nothing', async () => {
    const c = await confidential('client_secret_basic');
    const { back, verifier } = await login(f, c.id);
    const params = codeParams(c.id, back.get('code')!, verifier);
    const none = await token(f, params);
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toBe('invalid_client');
    const wrong = await token(f, params, { authorization: basic(c.id, 'guess') });
    expect(wrong.status).toBe(401);
    const otherId = await token(f, params, { authorization: basic('dcr_other', c.secret) });
    expect(otherId.status).toBe(401);
    await otherId.body?.cancel();
    // Failed client authentication does not use up the code: the right secret still redeems it.
    const ok = await token(f, params, { authorization: basic(c.id, c.secret) });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it('client_secret_post works with the secret in the body; a public client presenting a secret is refused', async () => {
    const c = await confidential('client_secret_post');
    const { back, verifier } = await login(f, c.id);
    const ok = await token(f, { ...codeParams(c.id, back.get('code')!, verifier), client_secret: c.secret });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    const pub = await login(f, clientId);
    const res = await token(f, { ...codeParams(clientId, pub.back.get('code')!, pub.verifier), client_secret: 'x' });
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });
});

describe('refresh tokens: rotation, reuse detection, and revocation when the code is replayed', () => {
  let refreshClient: string;
  beforeAll(async () => {
    const res = await register(f, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    refreshClient = ((await res.json()) as { client_id: string }).client_id;
  });
  const refresh = (rt: string, extra: Record<string, string> = {}) =>
    token(f, { grant_type: 'refresh_token', refresh_token: rt, client_id: refreshClient, ...extra });
  async function firstTokens(): Promise<{ code: string; verifier: string; rt: string }> {
    const { back, verifier } = await login(f, refreshClient);
    const code = back.get('code')!;
    const res = await token(f, codeParams(refreshClient, code, verifier));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { refresh_token?: string };
    expect(body.refresh_token).toBeTruthy();
    return { code, verifier, rt: body.refresh_token! };
  }
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  it('a client registered without the refresh_token grant gets no refresh token', async () => {
    const { back, verifier } = await login(f, clientId);
    const body = (await (await token(f, codeParams(clientId, back.get('code')!, verifier))).json()) as Record<
      string,
      unknown
    >;
    expect(body.refresh_token).toBeUndefined();
  });

  it('rotates: each refresh gives a new refresh token; the old one, used again, revokes the whole login', async () => {
    const { rt } = await firstTokens();
    const r1 = await refresh(rt);
    expect(r1.status).toBe(200);
    const b1 = (await r1.json()) as { refresh_token: string; access_token: string; scope: string };
    expect(b1.refresh_token).not.toBe(rt);
    expect(b1.scope).toBe('mcp:tools mcp:admin');
    const reuse = await refresh(rt);
    expect(reuse.status).toBe(400);
    expect(await errorOf(reuse)).toBe('invalid_grant');
    // The legitimate holder's newer token died with the family.
    expect(await errorOf(await refresh(b1.refresh_token))).toBe('invalid_grant');
    expect(
      f.events.some((e) => String(e.message).includes('refresh token replayed') && e.client_id === refreshClient),
    ).toBe(true);
  });

  it('a replayed authorization code revokes the refresh tokens its first exchange issued', async () => {
    const { code, verifier, rt } = await firstTokens();
    const replay = await token(f, codeParams(refreshClient, code, verifier));
    expect(await errorOf(replay)).toBe('invalid_grant');
    expect(await errorOf(await refresh(rt))).toBe('invalid_grant');
  });

  it('a refresh may narrow the scope but never widen it, and belongs to its client', async () => {
    const { rt } = await firstTokens();
    const narrow = await refresh(rt, { scope: 'mcp:tools' });
    const nb = (await narrow.json()) as { scope: string; refresh_token: string };
    expect(nb.scope).toBe('mcp:tools');
    const wide = await refresh(nb.refresh_token, { scope: 'mcp:tools mcp:admin openid' });
    expect(await errorOf(wide)).toBe('invalid_scope');
    const { rt: rt2 } = await firstTokens();
    const other = await token(f, { grant_type: 'refresh_token', refresh_token: rt2, client_id: clientId });
    expect(await errorOf(other)).toBe('invalid_grant');
    expect(await errorOf(await refresh('made-up'))).toBe('invalid_grant');
  });
});

describe('happy path: the façade issues its own short-lived token, scopes as the upstream granted them', () => {
  async function tokensFor(user: string) {
    const { back, verifier } = await login(f, clientId, user);
    expect(back.get('state')).toBe('client-state-1');
    expect(back.get('iss')).toBe(f.issuer);
    const res = await token(f, codeParams(clientId, back.get('code')!, verifier, { resource: f.mcpUrl }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return (await res.json()) as Record<string, unknown>;
  }

  it('dev gets mcp:tools and mcp:admin; the token verifies against the façade JWKS; no upstream token leaks', async () => {
    const body = await tokensFor('dev');
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body.expires_in).toBe(300);
    const at = String(body.access_token);
    const header = decodeProtectedHeader(at);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: 'facade-test-key' });
    const jwks = createRemoteJWKSet(new URL(`${f.issuer}/oauth/jwks`));
    const { payload } = await jwtVerify(at, jwks, { issuer: f.issuer, audience: f.mcpUrl, typ: 'at+jwt' });
    expect(payload.sub).toBe('dev');
    expect(payload.client_id).toBe(clientId);
    expect(String(payload.scope).split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it('viewer gets mcp:tools only (the upstream refused mcp:admin)', async () => {
    const body = await tokensFor('viewer');
    expect(body.scope).toBe('mcp:tools');
  });

  it('after a key rotation the JWKS publishes the previous key too; tokens carry the new kid', async () => {
    const rotated = await startFacade({
      FACADE_PREVIOUS_SIGNING_KEY: newSigningKey().replace('facade-test-key', 'old-key'),
    });
    try {
      const jwks = (await (await fetch(`${rotated.issuer}/oauth/jwks`)).json()) as {
        keys: Array<Record<string, unknown>>;
      };
      expect(jwks.keys.map((k) => k.kid)).toEqual(['facade-test-key', 'old-key']);
      for (const k of jwks.keys) expect(k.d).toBeUndefined();
    } finally {
      await rotated.stop();
    }
  });

  it('the metadata is served at both well-known paths MCP clients try, with CORS', async () => {
    for (const p of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await fetch(`${f.issuer}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const meta = (await res.json()) as Record<string, unknown>;
      expect(meta.issuer).toBe(f.issuer);
      expect(meta.code_challenge_methods_supported).toEqual(['S256']);
      expect(meta.registration_endpoint).toBe(`${f.issuer}/oauth/register`);
      expect(meta.client_id_metadata_document_supported).toBe(true);
    }
  });
});

describe('FACADE_AUTO_CONSENT (development only), FACADE_UPSTREAM_AUDIENCE', () => {
  it('off by default: /authorize shows the consent page; on: it goes straight to the upstream', async () => {
    const { challenge } = pkcePair();
    const page = await noFollow(authorizeUrl(f, clientId, challenge));
    expect(page.status).toBe(200);
    await page.body?.cancel();
    const auto = await startFacade({
      FACADE_AUTO_CONSENT: 'true',
      FACADE_UPSTREAM_AUDIENCE: 'https://api.example.com',
    });
    try {
      const id = await registerClient(auto);
      const res = await noFollow(authorizeUrl(auto, id, challenge));
      expect(res.status).toBe(302);
      expect(res.headers.get('location')!.startsWith(auto.upstream.issuer)).toBe(true);
      // Auth0's audience parameter goes upstream when configured (here the dev AS ignores it).
      expect(new URL(res.headers.get('location')!).searchParams.get('audience')).toBe('https://api.example.com');
    } finally {
      await auto.stop();
    }
  });
});

describe('FACADE_UPSTREAM_AUTH_METHOD: the façade authenticates at the IdP as its client is set up there', () => {
  // oidc-provider accepts either secret method from a secret client, so only the positive path is provable here.
  it('client_secret_post against a client_secret_post client: the whole login works', async () => {
    const post = await startFacade(
      { FACADE_UPSTREAM_AUTH_METHOD: 'client_secret_post' },
      {},
      { facadeAuthMethod: 'client_secret_post' },
    );
    try {
      const id = await registerClient(post);
      const { back, verifier } = await login(post, id);
      expect(back.get('code')).toBeTruthy();
      const res = await token(post, codeParams(id, back.get('code')!, verifier));
      expect(res.status).toBe(200);
      await res.body?.cancel();
    } finally {
      await post.stop();
    }
  });
});
