// The token matrix for every auth profile (AUTH_PROFILE): each IdP's tokens, minted by a loopback issuer in
// that IdP's documented claim layout (tests/support/idp-layouts.ts cites the docs) and served from a real JWKS
// endpoint, go through authenticate() with the profile's configuration. Hostile cases first: every one must
// be refused with its challenge (401 invalid_token, or 403 insufficient_scope when a valid token lacks the
// scope), never a 5xx. The generic profile's own matrix is hostile-tokens.test.ts.
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../../lib/auth/index.ts';
import { resetJwksCaches } from '../../../lib/auth/jwks.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import type { IdpLayout, LayoutOptions } from '../../support/idp-layouts.ts';
import { type IdpIssuer, startIdpIssuer } from '../../support/issuer.ts';
import { b64url, makeKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
const PRM_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const ENTRA_API = '0c6f5a6e-8c1b-4a58-9b83-1f2d3c4b5a69';
const PREFIX = 'https://mcp.example.com/';

interface Setup {
  env: Record<string, string>;
  defaults: Partial<LayoutOptions>;
  /** A token for someone else: another audience, or (cognito) another app client. */
  foreign: Partial<LayoutOptions>;
  /** `iss` as this IdP writes it in a form the configured issuer is not (v1, org AS, no slash…). */
  wrongIssuer: (issuer: string) => string;
  /** Claims that put our scopes where this profile does not read them. */
  misplacedScopes: Record<string, unknown>;
}

const SETUPS: Record<IdpLayout, Setup> = {
  keycloak: {
    env: { AUTH_PROFILE: 'keycloak' },
    defaults: { audience: PUBLIC_URL },
    foreign: { audience: 'account' },
    wrongIssuer: (iss) => iss.replace('/realms/mcp', '/realms/other'),
    misplacedScopes: { scope: 'openid', scp: ['mcp:tools'] },
  },
  cognito: {
    env: { AUTH_PROFILE: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'mcp-app-client', AUTH_SCOPE_PREFIX: PREFIX },
    defaults: { clientId: 'mcp-app-client', scopePrefix: PREFIX },
    foreign: { clientId: 'other-app-client' },
    wrongIssuer: (iss) => `${iss}/`,
    // Only under a foreign resource server, or bare (Cognito custom scopes always carry the identifier).
    misplacedScopes: { scope: 'https://evil.example.com/mcp:tools mcp:tools aws.cognito.signin.user.admin' },
  },
  entra: {
    env: { AUTH_PROFILE: 'entra', AUTH_AUDIENCE: `${ENTRA_API} api://mcp-api` },
    defaults: { audience: ENTRA_API, clientId: 'chatgpt-client-app' },
    foreign: { audience: '00000003-0000-0000-c000-000000000000' }, // Microsoft Graph's app id
    // The v1 endpoint's issuer for the same tenant.
    wrongIssuer: (iss) => `https://sts.windows.net/${iss.split('/').at(-2)}/`,
    misplacedScopes: { scope: 'mcp:tools', scp: 'User.Read' },
  },
  okta: {
    env: { AUTH_PROFILE: 'okta', AUTH_AUDIENCE: 'api://default' },
    defaults: { audience: 'api://default' },
    foreign: { audience: 'api://other' },
    wrongIssuer: (iss) => iss.replace('/oauth2/default', ''), // the org authorization server
    misplacedScopes: { scope: 'mcp:tools', scp: ['openid'] },
  },
  auth0: {
    env: { AUTH_PROFILE: 'auth0', AUTH_AUDIENCE: PUBLIC_URL },
    defaults: { audience: PUBLIC_URL },
    foreign: { audience: 'https://other-api.example.com' },
    wrongIssuer: (iss) => iss.replace(/\/$/, ''),
    // RBAC permissions without the granted scope: the client was never given mcp:tools.
    misplacedScopes: { scope: 'openid profile', permissions: ['mcp:tools', 'mcp:admin'] },
  },
};

describe.each(Object.keys(SETUPS) as IdpLayout[])('profile %s', (layout) => {
  const setup = SETUPS[layout];
  let idp: IdpIssuer;
  let cfg: Config;

  const run = (token: string) =>
    authenticate(new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } }), cfg);

  async function expectRefused(token: string, status = 401, description?: RegExp) {
    const result = await run(token);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(status);
    const challenge = result.response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${PRM_URL}"`);
    expect(challenge).toContain(`error="${status === 401 ? 'invalid_token' : 'insufficient_scope'}"`);
    expect(challenge).toContain('scope="mcp:tools"');
    const body = (await result.response.json()) as { error_description: string };
    if (description) expect(body.error_description).toMatch(description);
    expect(JSON.stringify(body) + challenge + result.reason).not.toContain(token);
  }

  beforeAll(async () => {
    idp = await startIdpIssuer(layout, setup.defaults);
    cfg = loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: idp.issuer, ...setup.env });
    expect(cfg.auth.profile).toBe(layout);
    resetJwksCaches();
  });
  afterAll(() => idp?.stop());

  it('refuses its ID token', async () => {
    await expectRefused(await idp.token({ kind: 'id', scope: 'mcp:tools mcp:admin' }));
  });

  it('refuses an access token for another resource or client', async () => {
    await expectRefused(await idp.token(setup.foreign));
  });

  it('refuses the issuer in a form the configured issuer is not', async () => {
    await expectRefused(await idp.token({ claims: { iss: setup.wrongIssuer(idp.issuer) } }), 401, /iss claim/);
  });

  it('scopes where this profile does not read them (foreign prefix, permissions, scp vs scope) grant nothing', async () => {
    await expectRefused(await idp.token({ claims: setup.misplacedScopes }), 403);
  });

  it('prototype-key scope names grant nothing and prototype-key client ids are not allowed', async () => {
    await expectRefused(await idp.token({ scope: '__proto__ constructor hasOwnProperty' }), 403);
    if (layout === 'cognito') {
      for (const clientId of ['__proto__', 'constructor', 'toString'])
        await expectRefused(await idp.token({ clientId }));
    }
  });

  it('keeps the common rules: alg none, HS256 with the public key, another key, exp, nbf, iat, exp missing', async () => {
    const good = await idp.token();
    const [, payload] = good.split('.');
    await expectRefused(`${b64url({ alg: 'none' })}.${payload}.`, 401, /algorithm/);
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: idp.key.kid })
      .sign(new TextEncoder().encode(await exportSPKI(idp.key.publicKey)));
    await expectRefused(hs, 401, /algorithm/);
    const attacker = await makeKey('RS256', idp.key.kid);
    await expectRefused(
      await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: idp.key.kid }).sign(attacker.privateKey),
      401,
      /signature/,
    );
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await idp.token({ claims: { iat: now - 900, exp: now - 300 } }), 401, /expired/);
    await expectRefused(await idp.token({ claims: { nbf: now + 600 } }), 401, /nbf claim/);
    await expectRefused(await idp.token({ claims: { iat: now + 600 } }), 401, /iat claim/);
    await expectRefused(await idp.token({ claims: { exp: undefined } }), 401, /exp claim/);
  });

  it('accepts its access token, reading the client and scopes where the IdP writes them', async () => {
    const result = await run(
      await idp.token({ scope: 'mcp:tools mcp:admin', permissions: ['mcp:tools', 'mcp:admin'] }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.identity.scopes).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
    expect(result.identity.scopes.every((s) => !s.startsWith('https://'))).toBe(true);
    expect(result.identity.clientId).toBe(setup.defaults.clientId ?? 'mcp-client');
    expect(result.identity.subject).toBe('dev-user');
    expect(result.identity.issuer).toBe(idp.issuer);
  });
});

describe('profile-specific layouts', () => {
  let entra: IdpIssuer;
  let cognito: IdpIssuer;
  let auth0: IdpIssuer;
  const cfgs = new Map<string, Config>();
  const run = (token: string, name: string) =>
    authenticate(new Request(PUBLIC_URL, { headers: { authorization: `Bearer ${token}` } }), cfgs.get(name)!);

  beforeAll(async () => {
    entra = await startIdpIssuer('entra', SETUPS.entra.defaults);
    cognito = await startIdpIssuer('cognito', SETUPS.cognito.defaults);
    auth0 = await startIdpIssuer('auth0', SETUPS.auth0.defaults);
    for (const [name, idp] of [
      ['entra', entra],
      ['cognito', cognito],
      ['auth0', auth0],
    ] as const) {
      cfgs.set(name, loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: idp.issuer, ...SETUPS[name].env }));
    }
  });
  afterAll(async () => {
    await Promise.all([entra?.stop(), cognito?.stop(), auth0?.stop()]);
  });

  it('cognito: a token carrying aud (ID-token shaped) or token_use other than access is refused', async () => {
    for (const claims of [
      { aud: 'mcp-app-client' },
      { token_use: 'id' },
      { token_use: undefined },
      { aud: PUBLIC_URL },
    ]) {
      const r = await run(await cognito.token({ claims }), 'cognito');
      expect(r.ok, JSON.stringify(claims)).toBe(false);
      expect(r.ok ? 0 : r.status).toBe(401);
    }
  });

  it("cognito: both issuer forms of the configured pool (ORIGINAL, UPDATED) pass; another pool's or region's do not", async () => {
    // IssuerConfigurationType: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html
    const pool = 'us-east-1_LocalPool1';
    const original = `https://cognito-idp.us-east-1.amazonaws.com/${pool}`;
    const updated = `https://issuer-cognito-idp.us-east-1.amazonaws.com/${pool}`;
    cfgs.set(
      'cognito-aws',
      loadConfig({
        MCP_PUBLIC_URL: PUBLIC_URL,
        AUTH_ISSUER: original,
        AUTH_JWKS_URL: cognito.jwksUrl,
        ...SETUPS.cognito.env,
      }),
    );
    const cases: Array<[string, number]> = [
      [original, 200],
      [updated, 200],
      ['https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool', 401],
      [`https://issuer-cognito-idp.us-east-2.amazonaws.com/${pool}`, 401],
      [`${updated}/`, 401],
      [`http://cognito-idp.us-east-1.amazonaws.com/${pool}`, 401],
    ];
    for (const [iss, status] of cases) {
      const r = await run(await cognito.token({ claims: { iss } }), 'cognito-aws');
      expect(r.ok ? 200 : r.status, iss).toBe(status);
    }
  });

  it('cognito: a token under a foreign resource-server prefix only lacks the scope (403), never gets it', async () => {
    const r = await run(await cognito.token({ scopePrefix: 'https://evil.example.com/' }), 'cognito');
    expect(r.ok ? 200 : r.status).toBe(403);
  });

  it('entra: the App ID URI is an accepted audience too; app-only tokens bring scopes as roles', async () => {
    const byUri = await run(await entra.token({ audience: 'api://mcp-api' }), 'entra');
    expect(byUri.ok).toBe(true);
    const appOnly = await run(await entra.token({ scope: '', roles: ['mcp:tools'] }), 'entra');
    expect(appOnly.ok && appOnly.identity.scopes).toEqual(['mcp:tools']);
    // A v1 token (ver 1.0, appid instead of azp) with the right iss and aud is still refused.
    const v1 = await run(await entra.token({ claims: { ver: '1.0', azp: undefined, appid: 'x' } }), 'entra');
    expect(v1.ok ? 200 : v1.status).toBe(401);
  });

  it('auth0: the RFC 9068 profile (client_id, typ at+jwt) is accepted; permissions only narrow the scope', async () => {
    const r9068 = await run(await auth0.token({ rfc9068: true, clientId: 'rfc-client' }), 'auth0');
    expect(r9068.ok && r9068.identity.clientId).toBe('rfc-client');
    const narrowed = await run(
      await auth0.token({ scope: 'mcp:tools mcp:admin', permissions: ['mcp:tools'] }),
      'auth0',
    );
    // openid/profile and mcp:admin are not among the user's permissions, so only mcp:tools counts.
    expect(narrowed.ok && narrowed.identity.scopes).toEqual(['mcp:tools']);
  });

  it('a token from one IdP is refused by a server configured for another', async () => {
    const fromEntra = await entra.token();
    for (const name of ['cognito', 'auth0']) {
      const r = await run(fromEntra, name);
      expect(r.ok ? 200 : r.status, name).toBe(401);
    }
  });
});
