// The embedded dev AS (oidc-provider) on an ephemeral port: discovery, DCR, code + PKCE S256 + resource,
// audience and scopes per user, refresh, and the hostile cases (no PKCE, plain PKCE, foreign resource, bad password).
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevAuthServer, startDevAuthServer } from '../../../local/dev-as.ts';
import {
  type AuthServerMetadata,
  authorizationCodeLogin,
  decodeJwtPayload,
  discoverAuthServer,
  pkcePair,
  refreshGrant,
} from '../../../local/oauth-login.ts';
import { fetchDevToken } from '../../../local/token.ts';

const MCP = 'http://127.0.0.1:3000/mcp';
const TEST = { clientId: 'mcp-test', clientSecret: 'mcp-test-secret', redirectUri: 'http://127.0.0.1/callback' };
let as: DevAuthServer;
let metadata: AuthServerMetadata;

beforeAll(async () => {
  as = await startDevAuthServer({ publicMcpUrl: MCP, port: 0 });
  ({ metadata } = await discoverAuthServer(as.issuer));
});
afterAll(async () => {
  await as?.stop();
});

async function verify(token: string) {
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
  return jwtVerify(token, jwks, { issuer: as.issuer, audience: MCP, algorithms: ['RS256'] });
}

function authorizeUrl(params: Record<string, string>): string {
  const u = new URL(metadata.authorization_endpoint);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

describe('discovery', () => {
  it('uses the Keycloak-shaped issuer path and serves OIDC discovery under it', async () => {
    expect(as.issuer).toBe(`http://127.0.0.1:${as.port}/realms/mcp`);
    const res = await fetch(`${as.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as AuthServerMetadata;
    expect(doc.issuer).toBe(as.issuer);
    expect(doc.authorization_endpoint.startsWith(`${as.issuer}/`)).toBe(true);
    expect(doc.token_endpoint.startsWith(`${as.issuer}/`)).toBe(true);
    expect(doc.registration_endpoint).toBe(`${as.issuer}/reg`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('answers the RFC 8414 root form like Keycloak, and 404 for the OIDC path-insert form', async () => {
    const rfc8414 = await fetch(`http://127.0.0.1:${as.port}/.well-known/oauth-authorization-server/realms/mcp`);
    expect(rfc8414.status).toBe(200);
    expect(((await rfc8414.json()) as AuthServerMetadata).issuer).toBe(as.issuer);
    const inserted = await fetch(`http://127.0.0.1:${as.port}/.well-known/openid-configuration/realms/mcp`);
    expect(inserted.status).toBe(404);
    await inserted.body?.cancel();
  });
});

describe('tokens', () => {
  it('dev gets a signed JWT for the resource with both MCP scopes, and can refresh it', async () => {
    const t = await authorizationCodeLogin({
      metadata,
      ...TEST,
      scope: 'mcp:tools mcp:admin',
      resource: MCP,
      username: 'dev',
      password: 'dev',
    });
    const { payload, protectedHeader } = await verify(t.access_token);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.aud).toBe(MCP);
    expect(payload.sub).toBe('dev');
    expect(String(payload.scope).split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
    expect(typeof payload.exp).toBe('number');
    expect(t.refresh_token).toBeTruthy();

    const r = await refreshGrant({
      metadata,
      clientId: TEST.clientId,
      clientSecret: TEST.clientSecret,
      refreshToken: t.refresh_token!,
    });
    const refreshed = await verify(r.access_token);
    expect(refreshed.payload.aud).toBe(MCP);
    expect(refreshed.payload.jti).not.toBe(payload.jti);
  });

  it('viewer asking for mcp:admin gets a token without it', async () => {
    const t = await authorizationCodeLogin({
      metadata,
      ...TEST,
      scope: 'mcp:tools mcp:admin',
      resource: MCP,
      username: 'viewer',
      password: 'viewer',
    });
    const { payload } = await verify(t.access_token);
    expect(payload.sub).toBe('viewer');
    expect(String(payload.scope).split(' ')).toEqual(['mcp:tools']);
  });

  it('without a resource parameter the token is still for the MCP URL (never a bare default audience)', async () => {
    const t = await authorizationCodeLogin({ metadata, ...TEST, scope: 'mcp:tools', username: 'dev', password: 'dev' });
    expect(decodeJwtPayload(t.access_token).aud).toBe(MCP);
  });

  it('without a scope parameter grants the default scope mcp:tools (RFC 6749 3.3), to dev and viewer alike', async () => {
    for (const user of ['dev', 'viewer']) {
      const t = await authorizationCodeLogin({ metadata, ...TEST, resource: MCP, username: user, password: user });
      const { payload } = await verify(t.access_token);
      expect(payload.sub).toBe(user);
      expect(payload.scope).toBe('mcp:tools');
    }
  });

  it('an empty scope parameter gets the same default, and an explicit scope is never widened', async () => {
    const empty = await authorizationCodeLogin({ metadata, ...TEST, scope: '', username: 'dev', password: 'dev' });
    expect(decodeJwtPayload(empty.access_token).scope).toBe('mcp:tools');
    const admin = await authorizationCodeLogin({
      metadata,
      ...TEST,
      scope: 'mcp:admin',
      username: 'dev',
      password: 'dev',
    });
    expect(decodeJwtPayload(admin.access_token).scope).toBe('mcp:admin');
  });

  it('refuses a foreign resource with invalid_target', async () => {
    await expect(
      authorizationCodeLogin({
        metadata,
        ...TEST,
        scope: 'mcp:tools',
        resource: 'https://evil.example/mcp',
        username: 'dev',
        password: 'dev',
      }),
    ).rejects.toThrow(/invalid_target/);
  });

  it('a wrong password shows the login form again with 401 and never issues a code', async () => {
    await expect(
      authorizationCodeLogin({
        metadata,
        ...TEST,
        scope: 'mcp:tools',
        resource: MCP,
        username: 'dev',
        password: 'nope',
      }),
    ).rejects.toThrow(/login as dev was refused/);
  });

  it('requires PKCE, and only S256', async () => {
    const base = {
      response_type: 'code',
      client_id: 'mcp-inspector',
      redirect_uri: 'http://127.0.0.1:6274/oauth/callback',
      scope: 'mcp:tools',
      state: 's',
    };
    const none = await fetch(authorizeUrl(base), { redirect: 'manual' });
    expect(none.status).toBe(303);
    const noneLoc = new URL(none.headers.get('location')!);
    expect(noneLoc.searchParams.get('error')).toBe('invalid_request');
    expect(noneLoc.searchParams.get('error_description')).toMatch(/PKCE|code_challenge/);

    const { verifier } = pkcePair();
    const plain = await fetch(authorizeUrl({ ...base, code_challenge: verifier, code_challenge_method: 'plain' }), {
      redirect: 'manual',
    });
    const plainLoc = new URL(plain.headers.get('location')!);
    expect(plainLoc.searchParams.get('error')).toBe('invalid_request');
    expect(plainLoc.searchParams.get('code')).toBeNull();
  });
});

describe('dynamic client registration', () => {
  it('registers a public client anonymously and runs the code flow with it', async () => {
    const res = await fetch(metadata.registration_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'dcr test',
        redirect_uris: ['http://127.0.0.1:4567/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    expect(res.status).toBe(201);
    const client = (await res.json()) as { client_id: string; client_secret?: string };
    expect(client.client_secret).toBeUndefined();
    const t = await authorizationCodeLogin({
      metadata,
      clientId: client.client_id,
      redirectUri: 'http://127.0.0.1:4567/cb',
      scope: 'mcp:tools mcp:admin',
      resource: MCP,
      username: 'dev',
      password: 'dev',
    });
    const { payload } = await verify(t.access_token);
    expect(payload.client_id).toBe(client.client_id);
    const r = await refreshGrant({
      metadata,
      clientId: client.client_id,
      refreshToken: t.refresh_token!,
      resource: MCP,
    });
    expect(decodeJwtPayload(r.access_token).aud).toBe(MCP);
  });
});

describe('client ID metadata documents (CIMD)', () => {
  // The client's https document host is a loopback HTTP server: the AS's `fetch` option routes
  // https://client.example/... there (TLS and DNS are all it skips; oidc-provider's own checks all run).
  const CLIENT = 'https://client.example/oauth/client.json';
  const REDIRECT = 'http://127.0.0.1:4568/cb';
  const docs = new Map<string, unknown>();
  const seen: string[] = [];
  let docServer: Server;
  let cimdAs: DevAuthServer;
  let cimdMeta: AuthServerMetadata;

  beforeAll(async () => {
    docServer = createServer((req, res) => {
      seen.push(req.url ?? '');
      const doc = docs.get(req.url ?? '');
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc ?? {}));
    });
    await new Promise<void>((resolve) => docServer.listen(0, '127.0.0.1', resolve));
    const { port } = docServer.address() as AddressInfo;
    cimdAs = await startDevAuthServer({
      publicMcpUrl: MCP,
      port: 0,
      fetch: (url, init) => {
        const u = new URL(url);
        if (u.hostname !== 'client.example') throw new Error(`unexpected fetch of ${u.href}`);
        const { dispatcher: _loopbackIsSpecialUse, ...rest } = init as RequestInit & { dispatcher?: unknown };
        return fetch(`http://127.0.0.1:${port}${u.pathname}`, rest);
      },
    });
    ({ metadata: cimdMeta } = await discoverAuthServer(cimdAs.issuer));
  });
  afterAll(async () => {
    await cimdAs?.stop();
    docServer?.close();
  });

  const good = (clientId: string) => ({
    client_id: clientId,
    client_name: 'cimd test',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  const login = (meta: AuthServerMetadata, clientId: string) =>
    authorizationCodeLogin({
      metadata: meta,
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:tools',
      resource: MCP,
      username: 'dev',
      password: 'dev',
    });

  /** The AS's answer to an authorization request from clientId (its error page, or the redirect). */
  async function authorize(meta: AuthServerMetadata, clientId: string, redirectUri = REDIRECT) {
    const u = new URL(meta.authorization_endpoint);
    const { challenge } = pkcePair();
    const q = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'mcp:tools' };
    for (const [k, v] of Object.entries({ ...q, code_challenge: challenge, code_challenge_method: 'S256' }))
      u.searchParams.set(k, v);
    const res = await fetch(u, { redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  }

  it('advertises client_id_metadata_document_supported, and not when registration is off', async () => {
    expect((metadata as Record<string, unknown>).client_id_metadata_document_supported).toBe(true);
    const closed = await startDevAuthServer({ publicMcpUrl: MCP, port: 0, registration: false });
    try {
      const { metadata: m } = await discoverAuthServer(closed.issuer);
      expect(m.registration_endpoint).toBeUndefined();
      expect((m as Record<string, unknown>).client_id_metadata_document_supported).toBeUndefined();
    } finally {
      await closed.stop();
    }
  });

  it('a client whose client_id is its document URL logs in and gets a token naming it', async () => {
    docs.set('/oauth/client.json', good(CLIENT));
    const t = await login(cimdMeta, CLIENT);
    const { payload } = await jwtVerify(t.access_token, createRemoteJWKSet(new URL(cimdMeta.jwks_uri!)), {
      issuer: cimdAs.issuer,
      audience: MCP,
    });
    expect(payload.client_id).toBe(CLIENT);
    expect(payload.scope).toBe('mcp:tools');
    expect(seen).toContain('/oauth/client.json');
  });

  it('refuses a document whose client_id is another URL', async () => {
    docs.set('/oauth/other.json', good('https://client.example/oauth/client.json'));
    const r = await authorize(cimdMeta, 'https://client.example/oauth/other.json');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(
      /invalid_client_metadata\nerror_description: client_id metadata document client_id does not match/,
    );
  });

  it('refuses a document with shared-secret client authentication', async () => {
    const id = 'https://client.example/oauth/secret.json';
    docs.set('/oauth/secret.json', { ...good(id), token_endpoint_auth_method: 'client_secret_basic' });
    const r = await authorize(cimdMeta, id);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/invalid_client_metadata\nerror_description: .*must not use shared-secret/);
  });

  it('refuses a redirect_uri the document does not list', async () => {
    docs.set('/oauth/client.json', good(CLIENT));
    const r = await authorize(cimdMeta, CLIENT, 'http://127.0.0.1:4569/elsewhere');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/error: invalid_redirect_uri\n/);
  });

  it('never fetches an http client_id, and refuses an https one on a loopback address (SSRF)', async () => {
    const before = seen.length;
    const plain = await authorize(cimdMeta, 'http://client.example/oauth/client.json');
    expect(plain.status).toBe(400);
    expect(plain.text).toMatch(/error: invalid_client\nerror_description: client is invalid\n/);
    expect(seen.length).toBe(before);
    // The default AS (no fetch override): oidc-provider's dispatcher drops sockets to special-use addresses such
    // as 127.0.0.1 (here the loopback server sees no request either way).
    const { port } = docServer.address() as AddressInfo;
    const loopback = await authorize(metadata, `https://127.0.0.1:${port}/oauth/client.json`);
    expect(loopback.status).toBe(400);
    expect(loopback.text).toMatch(/error: invalid_client\nerror_description: client_id metadata document fetch failed/);
    expect(seen.length).toBe(before);
  });
});

describe('npm run token', () => {
  it('fetchDevToken drives the code flow for the embedded AS', async () => {
    const t = await fetchDevToken({
      issuer: as.issuer,
      scope: 'mcp:tools mcp:admin',
      username: 'dev',
      password: 'dev',
      resource: MCP,
    });
    expect((await verify(t.access_token)).payload.sub).toBe('dev');
  });

  it('the script prints only the token on stdout', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['local/token.ts', '--user', 'viewer'], {
      env: { ...process.env, AS_PORT: String(as.port), AUTH_ISSUER: '', MCP_PUBLIC_URL: MCP },
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const { payload } = await verify(stdout.trim());
    expect(payload.sub).toBe('viewer');
    expect(payload.scope).toBe('mcp:tools');
  });

  it('the script fails clearly when no AS is running', async () => {
    const run = promisify(execFile)(process.execPath, ['local/token.ts', '--issuer', 'http://127.0.0.1:9/realms/mcp']);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/No authorization server answers/),
    });
  });
});

describe('startAuthServer (the picker npm start uses)', () => {
  it('starts the embedded AS on request and reports its kind and issuer', async () => {
    const { startAuthServer } = await import('../../../local/as.ts');
    const lines: string[] = [];
    const running = await startAuthServer({
      publicMcpUrl: MCP,
      kind: 'embedded',
      port: 0,
      onProgress: (l) => lines.push(l),
    });
    try {
      expect(running.kind).toBe('embedded');
      expect(running.issuer).toBe(`http://127.0.0.1:${running.port}/realms/mcp`);
      expect(lines.join('\n')).toMatch(/embedded dev AS ready/);
      const res = await fetch(`${running.issuer}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      await res.body?.cancel();
    } finally {
      await running.stop();
    }
    await expect(fetch(`${running.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });

  it('refuses a port that is already taken', async () => {
    await expect(startDevAuthServer({ publicMcpUrl: MCP, port: as.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
