// The real Keycloak 26.7.x with keycloak/realm-mcp.json, started through local/keycloak.ts (one instance per file).
// Skips ONLY when no Java 21+ exists on the machine; CI has a Temurin 25, so there it always runs.
import { createServer } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJava } from '../../../local/java.ts';
import { ensureKeycloakDist, type RunningKeycloak, startKeycloak } from '../../../local/keycloak.ts';
import {
  type AuthServerMetadata,
  authorizationCodeLogin,
  decodeJwtPayload,
  discoverAuthServer,
  OAuthError,
  passwordGrant,
  pkcePair,
  refreshGrant,
} from '../../../local/oauth-login.ts';
import { fetchDevToken } from '../../../local/token.ts';

const MCP = 'http://127.0.0.1:3000/mcp';
const TEST = { clientId: 'mcp-test', clientSecret: 'mcp-test-secret' };
const java = await findJava({ minMajor: 21 });
if (!java) {
  console.warn(
    'SKIPPED tests/integration/as/keycloak.test.ts: no Java 21+ found (JAVA_HOME, update-alternatives, /usr/lib/jvm, /opt, PATH).',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(!java)('Keycloak with the mcp realm', () => {
  let kc: RunningKeycloak;
  let metadata: AuthServerMetadata;
  let origin: string;

  beforeAll(async () => {
    const [port, managementPort] = [await freePort(), await freePort()];
    kc = await startKeycloak({
      publicMcpUrl: MCP,
      port,
      managementPort,
      java: java!,
      // A private in-memory database: parallel instances never share the dev-file database.
      dbUrl: `jdbc:h2:mem:kc-test-${port};NON_KEYWORDS=VALUE;DB_CLOSE_DELAY=-1`,
      onProgress: (line) => console.log(line),
    });
    origin = `http://127.0.0.1:${port}`;
    ({ metadata } = await discoverAuthServer(kc.issuer));
  }, 600_000);

  afterAll(async () => {
    await kc?.stop();
  }, 60_000);

  async function verify(token: string, audience = MCP) {
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
    return jwtVerify(token, jwks, { issuer: kc.issuer, audience, algorithms: ['RS256'] });
  }

  it('reuses the downloaded dist on a second call', async () => {
    // Neither fetched nor unpacked again: no progress line at all (not "fast", which a busy machine can break).
    const said: string[] = [];
    expect(await ensureKeycloakDist({ onProgress: (line) => said.push(line) })).toBe(kc.home);
    expect(said).toEqual([]);
  });

  it('answers discovery at the RFC 8414 root form and the issuer-suffixed OIDC path, not the OIDC path-insert form', async () => {
    const [rfc8414, inserted, suffixed] = await Promise.all(
      [
        `${origin}/.well-known/oauth-authorization-server/realms/mcp`,
        `${origin}/.well-known/openid-configuration/realms/mcp`,
        `${kc.issuer}/.well-known/openid-configuration`,
      ].map((u) => fetch(u)),
    );
    expect(rfc8414!.status).toBe(200);
    expect(inserted!.status).toBe(404);
    expect(suffixed!.status).toBe(200);
    const a = (await rfc8414!.json()) as AuthServerMetadata;
    const b = (await suffixed!.json()) as AuthServerMetadata;
    await inserted!.body?.cancel();
    expect(a.issuer).toBe(kc.issuer);
    expect(b.issuer).toBe(kc.issuer);
    expect(a.token_endpoint).toBe(b.token_endpoint);
    expect(b.code_challenge_methods_supported).toContain('S256');
    expect(b.registration_endpoint).toBe(`${kc.issuer}/clients-registrations/openid-connect`);
    expect(b.scopes_supported).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
  });

  it('dev gets a token whose aud names the MCP URL (not only account) with both scopes', async () => {
    const t = await passwordGrant({
      metadata,
      ...TEST,
      username: 'dev',
      password: 'dev',
      scope: 'mcp:tools mcp:admin',
    });
    const { payload } = await verify(t.access_token);
    const aud = [payload.aud].flat();
    expect(aud).toContain(MCP);
    expect(aud).not.toContain('account');
    expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
    expect(payload.preferred_username).toBe('dev');
    expect(t.refresh_token).toBeTruthy();
  });

  it('viewer asking for mcp:admin gets a token without it', async () => {
    const t = await passwordGrant({
      metadata,
      ...TEST,
      username: 'viewer',
      password: 'viewer',
      scope: 'mcp:tools mcp:admin',
    });
    const { payload } = await verify(t.access_token);
    const scopes = String(payload.scope).split(' ');
    expect(scopes).toContain('mcp:tools');
    expect(scopes).not.toContain('mcp:admin');
  });

  it('the RFC 8707 resource narrows aud to exactly the MCP URL; a foreign resource is invalid_target', async () => {
    const t = await passwordGrant({
      metadata,
      ...TEST,
      username: 'dev',
      password: 'dev',
      scope: 'mcp:tools',
      resource: MCP,
    });
    expect(decodeJwtPayload(t.access_token).aud).toBe(MCP);
    const err = await passwordGrant({
      metadata,
      ...TEST,
      username: 'dev',
      password: 'dev',
      scope: 'mcp:tools',
      resource: 'https://evil.example/mcp',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).error).toBe('invalid_target');
  });

  it('refuses a wrong password', async () => {
    const err = await passwordGrant({
      metadata,
      ...TEST,
      username: 'dev',
      password: 'wrong',
      scope: 'mcp:tools',
    }).catch((e: unknown) => e);
    expect((err as OAuthError).error).toBe('invalid_grant');
  });

  it('npm run token logic returns a dev token', async () => {
    const t = await fetchDevToken({
      issuer: kc.issuer,
      scope: 'mcp:tools mcp:admin',
      username: 'dev',
      password: 'dev',
      resource: MCP,
    });
    expect((await verify(t.access_token)).payload.preferred_username).toBe('dev');
  });

  describe('anonymous DCR, then code flow with PKCE S256 + resource through the login and consent pages', () => {
    let clientId: string;
    const redirectUri = 'http://127.0.0.1:4567/callback';

    it('rejects a registration whose redirect URI is not on a trusted host', async () => {
      const res = await fetch(metadata.registration_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'evil',
          redirect_uris: ['https://evil.example/cb'],
          token_endpoint_auth_method: 'none',
        }),
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/Trusted Hosts/);
    });

    it('registers a public client from a trusted host', async () => {
      const res = await fetch(metadata.registration_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'dcr test',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'mcp:tools mcp:admin',
        }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        client_id: string;
        client_secret?: string;
        token_endpoint_auth_method: string;
      };
      expect(body.token_endpoint_auth_method).toBe('none');
      expect(body.client_secret).toBeUndefined();
      clientId = body.client_id;
    });

    it('refuses an authorization request without PKCE for the public client', async () => {
      const u = new URL(metadata.authorization_endpoint);
      u.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'mcp:tools',
        state: 's',
      }).toString();
      const res = await fetch(u, { redirect: 'manual' });
      const loc = new URL(res.headers.get('location')!);
      expect(loc.searchParams.get('error')).toBe('invalid_request');
      expect(loc.searchParams.get('code')).toBeNull();
      const { verifier } = pkcePair();
      u.searchParams.set('code_challenge', verifier);
      u.searchParams.set('code_challenge_method', 'plain');
      const plain = await fetch(u, { redirect: 'manual' });
      expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    });

    it('dev logs in: aud is the MCP URL, both scopes, and the refresh token works', async () => {
      const t = await authorizationCodeLogin({
        metadata,
        clientId,
        redirectUri,
        scope: 'mcp:tools mcp:admin',
        resource: MCP,
        username: 'dev',
        password: 'dev',
      });
      const { payload } = await verify(t.access_token);
      expect(payload.aud).toBe(MCP);
      expect(payload.azp).toBe(clientId);
      expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
      const r = await refreshGrant({ metadata, clientId, refreshToken: t.refresh_token!, resource: MCP });
      const refreshed = await verify(r.access_token);
      expect(refreshed.payload.aud).toBe(MCP);
      expect(refreshed.payload.jti).not.toBe(payload.jti);
    });

    it('viewer logs in and gets no mcp:admin', async () => {
      const t = await authorizationCodeLogin({
        metadata,
        clientId,
        redirectUri,
        scope: 'mcp:tools mcp:admin',
        resource: MCP,
        username: 'viewer',
        password: 'viewer',
      });
      const scopes = String((await verify(t.access_token)).payload.scope).split(' ');
      expect(scopes).toContain('mcp:tools');
      expect(scopes).not.toContain('mcp:admin');
    });
  });
});
