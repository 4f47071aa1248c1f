// The doctor names the identity provider a token looks like and what the server must be told to accept it
// (doctor/profile.ts, on the server's own profile table). Claim layouts: tests/support/idp-layouts.ts, which
// cites each IdP's documentation.
import { describe, expect, it } from 'vitest';
import { guessProfile, profileAdvice } from '../../../doctor/profile.ts';
import { tokenClaimChecks } from '../../../doctor/step-token.ts';
import { accessClaims, type IdpLayout, idClaims, type LayoutOptions } from '../../support/idp-layouts.ts';

const URL_ = 'https://mcp.example.com/mcp';
const ISSUERS: Record<IdpLayout, string> = {
  keycloak: 'https://kc.example.com/realms/mcp',
  cognito: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
  entra: 'https://login.microsoftonline.com/7d1b9f1e-1c1d-4c55-9d3e-2a7e2f0c9b10/v2.0',
  okta: 'https://acme.okta.com/oauth2/default',
  auth0: 'https://acme.eu.auth0.com/',
};
const opts = (o: Partial<LayoutOptions> = {}): LayoutOptions => ({
  scope: 'mcp:tools',
  audience: URL_,
  clientId: 'app-1',
  sub: 'dev',
  ttlSec: 300,
  ...o,
});
const access = (l: IdpLayout, o: Partial<LayoutOptions> = {}) =>
  accessClaims(l, ISSUERS[l], opts(o)).claims as Record<string, unknown>;

describe('guessProfile', () => {
  it('names each IdP from its documented access-token layout', () => {
    for (const l of Object.keys(ISSUERS) as IdpLayout[]) expect(guessProfile(access(l)).profile, l).toBe(l);
  });
  it('generic when nothing is provider-specific (oidc-provider, the embedded dev AS)', () => {
    const p = { iss: 'http://127.0.0.1:9000/realms/mcp', aud: URL_, client_id: 'c', scope: 'mcp:tools' };
    expect(guessProfile(p).profile).toBe('generic');
  });
  it('an Entra v1 token is entra; prototype-key claims are ignored', () => {
    expect(guessProfile({ iss: 'https://sts.windows.net/t/', tid: 't', ver: '1.0' }).profile).toBe('entra');
    expect(guessProfile(JSON.parse('{"__proto__":{"token_use":"access"},"constructor":1}')).profile).toBe('generic');
  });
});

describe('profileAdvice', () => {
  it('cognito: the client allow-list and the scope prefix, from the token', () => {
    const a = profileAdvice(access('cognito', { scopePrefix: 'https://mcp.example.com/' }), URL_, ['mcp:tools']);
    expect(a.settings).toEqual([
      'AUTH_PROFILE=cognito',
      `AUTH_ISSUER=${ISSUERS.cognito}`,
      'AUTH_ALLOWED_CLIENT_IDS=app-1',
      'AUTH_SCOPE_PREFIX=https://mcp.example.com/',
    ]);
    expect(a.scopes).toEqual(['mcp:tools']);
    expect(a.refusal).toBeUndefined();
  });
  it('entra: the API client id as AUTH_AUDIENCE; okta: api://default; auth0: the API identifier', () => {
    const guid = '0c6f5a6e-8c1b-4a58-9b83-1f2d3c4b5a69';
    expect(profileAdvice(access('entra', { audience: guid }), URL_, ['mcp:tools']).settings).toContain(
      `AUTH_AUDIENCE=${guid}`,
    );
    expect(profileAdvice(access('okta', { audience: 'api://default' }), URL_, ['mcp:tools']).settings).toContain(
      'AUTH_AUDIENCE=api://default',
    );
    const auth0 = profileAdvice(access('auth0', { audience: 'https://api.example.com' }), URL_, ['mcp:tools']);
    expect(auth0.settings).toContain('AUTH_AUDIENCE=https://api.example.com');
  });
  it('never suggests AUTH_AUDIENCE=account for Keycloak', () => {
    const a = profileAdvice(access('keycloak', { audience: 'account' }), URL_, ['mcp:tools']);
    expect(a.settings.some((s) => s.startsWith('AUTH_AUDIENCE'))).toBe(false);
  });
  it('says when the profile itself refuses the token: ID tokens, v1 issuers', () => {
    for (const l of ['cognito', 'entra', 'keycloak'] as const) {
      const id = idClaims(l, ISSUERS[l], opts()).claims as Record<string, unknown>;
      expect(profileAdvice(id, URL_, ['mcp:tools']).refusal, l).toBeTruthy();
    }
    const v1 = { ...access('entra'), iss: 'https://sts.windows.net/t/' };
    expect(profileAdvice(v1, URL_, ['mcp:tools']).refusal).toMatch(/v1/);
  });
});

describe('tokenClaimChecks with profiles', () => {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const jwt = (p: unknown) => `${b64({ alg: 'RS256' })}.${b64(p)}.c2ln`;
  const ctxFor = (issuer: string) => ({ opts: { url: URL_ }, found: { issuer, requiredScopes: ['mcp:tools'] } });
  const byId = (checks: ReturnType<typeof tokenClaimChecks>) => new Map(checks.map((c) => [c.id, c]));

  it('a Cognito token: no aud failure, prefixed scopes pass, and it says what to configure', () => {
    const c = byId(
      tokenClaimChecks(
        jwt(access('cognito', { scopePrefix: 'https://mcp.example.com/' })),
        ctxFor(ISSUERS.cognito),
        now,
      ),
    );
    expect(c.get('token.aud')?.status).toBe('info');
    expect(c.get('token.aud')?.detail).toContain('AUTH_ALLOWED_CLIENT_IDS=app-1');
    expect(c.get('token.scopes')?.status).toBe('pass');
    expect(c.get('token.scopes')?.detail).toContain('AUTH_SCOPE_PREFIX=https://mcp.example.com/');
    expect(c.get('token.profile')?.detail).toMatch(/^cognito /);
  });

  it('an Entra token whose aud is the API client id: a warning naming AUTH_PROFILE and AUTH_AUDIENCE', () => {
    const c = byId(tokenClaimChecks(jwt(access('entra', { audience: 'guid-1' })), ctxFor(ISSUERS.entra), now));
    expect(c.get('token.aud')?.status).toBe('warn');
    expect(c.get('token.aud')?.fix).toContain('AUTH_PROFILE=entra');
    expect(c.get('token.aud')?.fix).toContain('AUTH_AUDIENCE=guid-1');
  });

  it('an Auth0 issuer without its slash fails iss and names the profile; an ID token is a profile warning', () => {
    const t = jwt(access('auth0'));
    const c = byId(tokenClaimChecks(t, ctxFor(ISSUERS.auth0.replace(/\/$/, '')), now));
    expect(c.get('token.iss')?.status).toBe('fail');
    expect(c.get('token.iss')?.fix).toContain('AUTH_PROFILE=auth0');
    const id = jwt(idClaims('cognito', ISSUERS.cognito, opts()).claims);
    expect(byId(tokenClaimChecks(id, ctxFor(ISSUERS.cognito), now)).get('token.profile')?.status).toBe('warn');
  });
});
