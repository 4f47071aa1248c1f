// The embedded dev AS (oidc-provider) on an ephemeral port: discovery, DCR, code + PKCE S256 + resource,
// audience and scopes per user, refresh, and the hostile cases (no PKCE, plain PKCE, foreign resource, bad password).
import { execFile } from 'node:child_process';
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
