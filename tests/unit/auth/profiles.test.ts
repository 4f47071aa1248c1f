// The auth profiles' pure rules (lib/auth/profiles.ts) and their configuration (lib/auth/profile-config.ts).
// Hostile cases first. Claim layouts follow each IdP's documentation:
// - Cognito access token (client_id, token_use "access", scope with resource-server prefix, no aud):
//   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
// - Entra v2 access token (aud = API client id or App ID URI, azp, scp string, roles list, ver "2.0", tid,
//   iss https://login.microsoftonline.com/<tid>/v2.0):
//   https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
// - Okta custom AS access token (cid, uid, scp list, iss https://<org>.okta.com/oauth2/<id>):
//   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
// - Auth0 access token (iss with trailing slash, aud list, azp or client_id, scope, RBAC permissions):
//   https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
//   https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis
import { describe, expect, it } from 'vitest';
import { loadAuthProfileSettings } from '../../../lib/auth/profile-config.ts';
import { AUTH_PROFILE_NAMES, authProfile, issuerProblem, readClaims } from '../../../lib/auth/profiles.ts';
import { ConfigError, loadConfig } from '../../../lib/config.ts';

const cognito = authProfile('cognito');
const entra = authProfile('entra');
const okta = authProfile('okta');
const auth0 = authProfile('auth0');
const keycloak = authProfile('keycloak');
const generic = authProfile('generic');
const PREFIX = 'https://mcp.example.com/';

const refused = (r: ReturnType<typeof readClaims>) => {
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.description;
};
const scopes = (r: ReturnType<typeof readClaims>) => (r.ok ? r.scopes : ['<refused>']);

describe('readClaims: hostile tokens', () => {
  it('cognito refuses ID tokens, a missing or wrong token_use, any aud and a missing client_id', () => {
    const access = { token_use: 'access', client_id: 'app1', scope: `${PREFIX}mcp:tools` };
    expect(refused(readClaims(cognito, { ...access, token_use: 'id' }))).toMatch(/token_use/);
    expect(refused(readClaims(cognito, { ...access, token_use: undefined }))).toMatch(/token_use/);
    expect(refused(readClaims(cognito, { ...access, token_use: ['access'] }))).toMatch(/token_use/);
    expect(refused(readClaims(cognito, { ...access, aud: 'app1' }))).toMatch(/aud/);
    expect(refused(readClaims(cognito, { ...access, client_id: undefined }))).toMatch(/client_id/);
    expect(refused(readClaims(cognito, { ...access, client_id: '' }))).toMatch(/client_id/);
    // A Cognito ID token as moto and Cognito mint it: aud = client id, token_use id.
    expect(refused(readClaims(cognito, { aud: 'app1', token_use: 'id', 'cognito:username': 'dev' }))).toBeTruthy();
  });

  it('with a scope prefix, scopes under a foreign prefix or bare ones do not count', () => {
    const r = readClaims(
      cognito,
      {
        token_use: 'access',
        client_id: 'app1',
        scope: `https://evil.example.com/mcp:admin ${PREFIX.slice(0, -1)}mcp:admin mcp:admin ${PREFIX} ${PREFIX}mcp:tools`,
      },
      PREFIX,
    );
    expect(scopes(r)).toEqual(['mcp:tools']);
  });

  it('entra refuses ID tokens (no azp), v1 tokens (ver 1.0) and tokens without ver', () => {
    const access = { ver: '2.0', azp: 'client-app', scp: 'mcp:tools', tid: 't' };
    expect(refused(readClaims(entra, { ...access, azp: undefined }))).toMatch(/azp/);
    expect(refused(readClaims(entra, { ...access, ver: '1.0', appid: 'client-app' }))).toMatch(/ver/);
    expect(refused(readClaims(entra, { ...access, ver: undefined }))).toMatch(/ver/);
    expect(refused(readClaims(entra, { ...access, ver: 2 }))).toMatch(/ver/);
  });

  it('okta refuses tokens without cid (its ID tokens and org-AS-like layouts)', () => {
    expect(refused(readClaims(okta, { scp: ['mcp:tools'], ver: 1 }))).toMatch(/cid/);
  });

  it('keycloak refuses tokens whose typ claim is not Bearer', () => {
    expect(refused(readClaims(keycloak, { typ: 'ID', scope: 'mcp:tools' }))).toMatch(/typ/);
    expect(refused(readClaims(keycloak, { scope: 'mcp:tools' }))).toMatch(/typ/);
  });

  it('auth0: permissions never grant a scope the client was not given (permissions vs scope)', () => {
    expect(scopes(readClaims(auth0, { scope: 'mcp:tools', permissions: ['mcp:tools', 'mcp:admin'] }))).toEqual([
      'mcp:tools',
    ]);
    expect(scopes(readClaims(auth0, { permissions: ['mcp:tools', 'mcp:admin'] }))).toEqual([]);
    // A scope the user does not hold as a permission (RBAC on) does not count either.
    expect(scopes(readClaims(auth0, { scope: 'mcp:tools mcp:admin', permissions: ['mcp:tools'] }))).toEqual([
      'mcp:tools',
    ]);
    // Non-list permissions (an object with prototype keys) hold nothing.
    const weird = JSON.parse('{"scope":"mcp:tools","permissions":{"__proto__":["mcp:tools"]}}');
    expect(scopes(readClaims(auth0, weird))).toEqual([]);
  });

  it('the other profiles ignore permissions, and generic ignores roles', () => {
    for (const p of [generic, keycloak, entra, okta]) {
      const claims = { typ: 'Bearer', ver: '2.0', azp: 'c', cid: 'c', permissions: ['mcp:tools', 'mcp:admin'] };
      expect(scopes(readClaims(p, claims)), p.name).toEqual([]);
    }
    expect(scopes(readClaims(generic, { roles: ['mcp:admin'], scope: 'mcp:tools' }))).toEqual(['mcp:tools']);
  });

  it('prototype keys as claims, scope names or client ids are plain strings, never lookups', () => {
    const payload = JSON.parse(
      '{"__proto__":{"scope":"mcp:admin","token_use":"access","client_id":"x"},"constructor":"y","scope":"__proto__ constructor toString"}',
    );
    expect(scopes(readClaims(generic, payload))).toEqual(['__proto__', 'constructor', 'toString']);
    // Inherited-looking claims do not satisfy cognito's rules: only own claims count.
    expect(refused(readClaims(cognito, JSON.parse('{"__proto__":{"token_use":"access","client_id":"x"}}')))).toMatch(
      /token_use/,
    );
    const r = readClaims(cognito, { token_use: 'access', client_id: '__proto__', scope: 'constructor' });
    expect(r).toEqual({ ok: true, clientId: '__proto__', scopes: ['constructor'], roles: [] });
    // Non-string scope values are ignored, never coerced.
    expect(
      scopes(readClaims(generic, { scope: { toString: 'mcp:admin' }, scp: [1, null, {}, ['mcp:admin']] })),
    ).toEqual([]);
  });
});

describe('readClaims: good tokens per documented layout', () => {
  it('cognito: client_id, prefixed scopes stripped, groups as roles', () => {
    const r = readClaims(
      cognito,
      {
        sub: 'u',
        token_use: 'access',
        client_id: 'app1',
        scope: `openid ${PREFIX}mcp:tools ${PREFIX}mcp:admin`,
        'cognito:groups': ['admins'],
      },
      PREFIX,
    );
    expect(r).toEqual({ ok: true, clientId: 'app1', scopes: ['mcp:tools', 'mcp:admin'], roles: ['admins'] });
  });

  it('entra: azp as client, scp (string) plus roles (list) as scopes', () => {
    const r = readClaims(entra, { ver: '2.0', azp: 'c', scp: 'mcp:tools', roles: ['mcp:admin'], tid: 't' });
    expect(r).toEqual({ ok: true, clientId: 'c', scopes: ['mcp:tools', 'mcp:admin'], roles: ['mcp:admin'] });
    // App-only (client credentials) tokens carry roles and no scp.
    expect(scopes(readClaims(entra, { ver: '2.0', azp: 'c', roles: ['mcp:tools'] }))).toEqual(['mcp:tools']);
  });

  it('okta: cid as client, scp list as scopes', () => {
    expect(readClaims(okta, { cid: 'c', uid: 'u', scp: ['openid', 'mcp:tools'], ver: 1 })).toEqual({
      ok: true,
      clientId: 'c',
      scopes: ['openid', 'mcp:tools'],
      roles: [],
    });
  });

  it('auth0: azp (default profile) or client_id (RFC 9068 profile), scope string', () => {
    expect(readClaims(auth0, { azp: 'c', scope: 'openid mcp:tools' })).toMatchObject({
      clientId: 'c',
      scopes: ['openid', 'mcp:tools'],
    });
    expect(readClaims(auth0, { client_id: 'd', scope: 'mcp:tools' })).toMatchObject({ clientId: 'd' });
  });

  it('generic reads scope and scp, client_id before azp (the behaviour before profiles)', () => {
    expect(readClaims(generic, { azp: 'a', client_id: 'b', scope: 'x y', scp: ['y', 'z'] })).toEqual({
      ok: true,
      clientId: 'b',
      scopes: ['x', 'y', 'z'],
      roles: [],
    });
  });
});

describe('issuerProblem', () => {
  it('refuses issuer forms the IdP never writes into iss', () => {
    expect(issuerProblem('entra', 'https://sts.windows.net/tid/')).toMatch(/v1/);
    expect(issuerProblem('entra', 'https://login.microsoftonline.com/tid')).toMatch(/v2\.0/);
    expect(issuerProblem('entra', 'https://login.microsoftonline.com/common/v2.0')).toMatch(/tenant id/);
    expect(issuerProblem('okta', 'https://acme.okta.com')).toMatch(/custom authorization server/);
    expect(issuerProblem('okta', 'https://acme.okta.com/oauth2/default/')).toMatch(/custom/);
    expect(issuerProblem('auth0', 'https://acme.auth0.com')).toMatch(/trailing slash/);
    expect(issuerProblem('auth0', 'https://acme.eu.auth0.com/x/')).toMatch(/trailing slash/);
    expect(issuerProblem('cognito', 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/')).toMatch(/pool/);
  });
  it('accepts the documented forms and leaves custom domains alone', () => {
    expect(issuerProblem('entra', 'https://login.microsoftonline.com/7d1b9f1e-0000-4000-8000-000000000000/v2.0')).toBe(
      undefined,
    );
    expect(issuerProblem('okta', 'https://acme.okta.com/oauth2/default')).toBe(undefined);
    expect(issuerProblem('okta', 'https://acme.okta.com/oauth2/aus9o8wzkhckw9TLa0h7z')).toBe(undefined);
    expect(issuerProblem('auth0', 'https://acme.eu.auth0.com/')).toBe(undefined);
    expect(issuerProblem('cognito', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123')).toBe(undefined);
    expect(issuerProblem('auth0', 'https://login.acme.example/')).toBe(undefined);
    expect(issuerProblem('generic', 'https://acme.okta.com')).toBe(undefined);
  });
});

describe('profile configuration', () => {
  const fail = (v: string, p: string) => new ConfigError(v, p);
  const PUBLIC = 'https://mcp.example.com/mcp';
  const base = { MCP_PUBLIC_URL: PUBLIC, AUTH_ISSUER: 'https://as.example.com/realms/mcp' };

  it('fails fast, naming the variable', () => {
    const bad: Array<[Record<string, string>, string, RegExp]> = [
      [{ AUTH_PROFILE: 'azure' }, 'AUTH_PROFILE', /one of generic, keycloak, cognito, entra, okta, auth0/],
      [{ AUTH_PROFILE: '__proto__' }, 'AUTH_PROFILE', /one of/],
      [{ AUTH_PROFILE: 'cognito' }, 'AUTH_ALLOWED_CLIENT_IDS', /required with AUTH_PROFILE=cognito/],
      [{ AUTH_PROFILE: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a', AUTH_AUDIENCE: PUBLIC }, 'AUTH_AUDIENCE', /unset/],
      [{ AUTH_AUDIENCE: 'api://default' }, 'AUTH_AUDIENCE', /absolute http\(s\) URL/],
      [{ AUTH_PROFILE: 'keycloak', AUTH_AUDIENCE: `${PUBLIC} account` }, 'AUTH_AUDIENCE', /URL/],
      [{ AUTH_SCOPE_PREFIX: 'a"b' }, 'AUTH_SCOPE_PREFIX', /quotes/],
      [{ AUTH_PROFILE: 'auth0', AUTH_ISSUER: 'https://acme.auth0.com' }, 'AUTH_ISSUER', /trailing slash/],
      [{ AUTH_PROFILE: 'entra', AUTH_ISSUER: 'https://sts.windows.net/t/' }, 'AUTH_ISSUER', /v1/],
    ];
    for (const [env, variable, problem] of bad) {
      let err: unknown;
      try {
        loadConfig({ ...base, ...env });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as ConfigError).message).toMatch(problem);
    }
  });

  it('generic by default: aud must name MCP_PUBLIC_URL, any client, no prefix (the behaviour before profiles)', () => {
    const auth = loadConfig(base).auth;
    expect(auth).toMatchObject({
      profile: 'generic',
      audience: PUBLIC,
      audiences: [PUBLIC],
      allowedClientIds: [],
      scopePrefix: undefined,
      issuers: ['https://as.example.com/realms/mcp'],
    });
  });

  it('entra takes its client id and App ID URI as audiences; the resource stays the public URL', () => {
    const s = loadAuthProfileSettings(
      { AUTH_PROFILE: 'entra', AUTH_AUDIENCE: '11111111-2222-3333-4444-555555555555, api://mcp' },
      PUBLIC,
      'https://login.microsoftonline.com/t/v2.0',
      fail,
    );
    expect(s).toMatchObject({
      audiences: ['11111111-2222-3333-4444-555555555555', 'api://mcp'],
      audience: PUBLIC,
    });
  });

  it('cognito: no audiences, the client allow-list and the prefix', () => {
    const s = loadAuthProfileSettings(
      { AUTH_PROFILE: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a,b', AUTH_SCOPE_PREFIX: PREFIX },
      PUBLIC,
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
      fail,
    );
    expect(s).toEqual({
      profile: 'cognito',
      audience: PUBLIC,
      audiences: [],
      allowedClientIds: ['a', 'b'],
      scopePrefix: PREFIX,
      // Cognito's ORIGINAL and UPDATED issuer forms for the same pool (IssuerConfigurationType,
      // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html)
      issuers: [
        'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
        'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
      ],
    });
  });

  it("cognito accepts the pool's other issuer form only; other profiles and custom hosts keep one issuer", () => {
    const cognito = (issuer: string) =>
      loadAuthProfileSettings({ AUTH_PROFILE: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a' }, PUBLIC, issuer, fail).issuers;
    expect(cognito('https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X1')).toEqual([
      'https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X1',
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X1',
    ]);
    expect(cognito('http://127.0.0.1:5000/us-east-1_X1')).toEqual(['http://127.0.0.1:5000/us-east-1_X1']);
    expect(
      loadAuthProfileSettings({}, PUBLIC, 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X1', fail).issuers,
    ).toEqual(['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X1']);
  });

  it('every profile name loads', () => {
    for (const p of AUTH_PROFILE_NAMES) {
      const env = { ...base, AUTH_PROFILE: p, AUTH_ALLOWED_CLIENT_IDS: 'c' };
      expect(loadConfig(env).auth.profile).toBe(p);
    }
  });
});
