// Auth profiles (AUTH_PROFILE): how each identity provider's access tokens prove they are for this server and
// where their scopes live. One table of plain data and pure functions, read by the verifier (verify.ts), the
// config (profile-config.ts) and the doctor (which may import this file: it imports nothing).
//
// Every profile keeps the rules verify.ts applies to all tokens (alg allow-list, exact iss, exp/nbf/iat, typ,
// ID-token markers, size); a profile only adds rules and says which claims to read:
// - audienceBy 'aud': `aud` must contain one of the configured audiences (jose checks it);
//   'client_id': the IdP puts no `aud` in access tokens (Cognito), so `aud` must be ABSENT (an ID token carries
//   one) and `client_id` must be in AUTH_ALLOWED_CLIENT_IDS, which the profile requires.
// - required: claims an access token of that IdP always has and its ID tokens lack (Cognito token_use,
//   Entra azp, Okta cid), so an ID token minted for the same app id is refused even with a matching audience.
// - scopeClaims: claims whose values are scopes (a space-separated string or a list of strings); anything else
//   (numbers, objects, `__proto__` keys) is ignored. With a scope prefix (Cognito resource servers), only
//   scopes under it count, stripped, so `https://other.example/mcp:tools` is no scope of ours.
// - permissionsFilter (Auth0 RBAC): when the token has `permissions`, a scope counts only if the user also
//   holds it as a permission; `permissions` alone grants nothing (they are the user's, not what the client
//   was granted).

/** The profile names AUTH_PROFILE accepts; `generic` is the default. */
export const AUTH_PROFILE_NAMES = ['generic', 'keycloak', 'cognito', 'entra', 'okta', 'auth0'] as const;
export type AuthProfileName = (typeof AUTH_PROFILE_NAMES)[number];

/** What a profile says about an IdP's access tokens (plain data). */
export interface AuthProfile {
  name: AuthProfileName;
  /** How a token shows it was minted for this server (see the header). */
  audienceBy: 'aud' | 'client_id';
  /** Claims naming the client, the first string one wins. */
  clientClaims: readonly string[];
  /** Claims whose values are scopes. */
  scopeClaims: readonly string[];
  /** Claims that must be present with exactly this value (`true`: present as a non-empty string). */
  required: ReadonlyArray<readonly [claim: string, value: string | true]>;
  /** Auth0: a scope counts only if `permissions` (when present) lists it too. */
  permissionsFilter: boolean;
  /** Claims read as roles/groups for the record (never as scopes unless in scopeClaims). */
  roleClaims: readonly string[];
  /** The IdP's documentation of its access-token claims. */
  docs: string;
}

const profiles = new Map<AuthProfileName, AuthProfile>(
  (
    [
      {
        name: 'generic',
        audienceBy: 'aud',
        clientClaims: ['client_id', 'azp'],
        scopeClaims: ['scope', 'scp'],
        required: [],
        permissionsFilter: false,
        roleClaims: [],
        docs: 'https://www.rfc-editor.org/rfc/rfc9068#section-2.2',
      },
      {
        name: 'keycloak',
        audienceBy: 'aud',
        clientClaims: ['azp', 'client_id'],
        scopeClaims: ['scope'],
        // Keycloak marks its access tokens typ "Bearer" (ID tokens "ID", refresh tokens "Refresh").
        required: [['typ', 'Bearer']],
        permissionsFilter: false,
        roleClaims: [],
        docs: 'https://www.keycloak.org/docs/latest/server_admin/#_audience',
      },
      {
        name: 'cognito',
        audienceBy: 'client_id',
        clientClaims: ['client_id'],
        scopeClaims: ['scope'],
        required: [
          ['token_use', 'access'],
          ['client_id', true],
        ],
        permissionsFilter: false,
        roleClaims: ['cognito:groups'],
        docs: 'https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html',
      },
      {
        name: 'entra',
        audienceBy: 'aud',
        clientClaims: ['azp'],
        // Delegated permissions in scp (space separated), app roles in roles (a list; app-only tokens have only these).
        scopeClaims: ['scp', 'roles'],
        required: [
          ['ver', '2.0'],
          ['azp', true],
        ],
        permissionsFilter: false,
        roleClaims: ['roles', 'groups'],
        docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference',
      },
      {
        name: 'okta',
        audienceBy: 'aud',
        clientClaims: ['cid'],
        scopeClaims: ['scp'],
        required: [['cid', true]],
        permissionsFilter: false,
        roleClaims: ['groups'],
        docs: 'https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS',
      },
      {
        name: 'auth0',
        audienceBy: 'aud',
        // azp in the default token profile, client_id in the RFC 9068 one.
        clientClaims: ['azp', 'client_id'],
        scopeClaims: ['scope'],
        required: [],
        permissionsFilter: true,
        roleClaims: ['permissions'],
        docs: 'https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles',
      },
    ] satisfies AuthProfile[]
  ).map((p) => [p.name, p]),
);

/** Pure predicate: `name` is a profile name (prototype-safe: a Map, not an object lookup). */
export function isAuthProfileName(name: unknown): name is AuthProfileName {
  return typeof name === 'string' && profiles.has(name as AuthProfileName);
}

/** The profile called `name` (generic when unknown, which config already refuses). */
export function authProfile(name: AuthProfileName | undefined): AuthProfile {
  return profiles.get(name ?? 'generic') ?? profiles.get('generic')!;
}

type Claims = Record<string, unknown>;

/** The claim's own value (never one inherited from Object.prototype). */
function own(payload: Claims, claim: string): unknown {
  return Object.hasOwn(payload, claim) ? payload[claim] : undefined;
}

/** Strings from a space-separated string or a list of strings; anything else gives nothing. */
export function stringsOf(value: unknown): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string') for (const s of v.split(' ')) if (s) out.push(s);
  };
  if (Array.isArray(value)) for (const v of value) add(v);
  else add(value);
  return out;
}

/** What readClaims found: the client, the scopes (prefix stripped), the roles; or why the token is refused. */
export type ClaimReading =
  | { ok: true; clientId: string | undefined; scopes: string[]; roles: string[] }
  | { ok: false; description: string };

/**
 * Reads a verified payload the way `profile` says (see the header). Pure. Signature, iss, aud (for 'aud'
 * profiles), exp/nbf/iat were checked before; descriptions are fixed strings (no claim value).
 */
export function readClaims(profile: AuthProfile, payload: Claims, scopePrefix?: string): ClaimReading {
  for (const [claim, value] of profile.required) {
    const v = own(payload, claim);
    const ok = value === true ? typeof v === 'string' && v !== '' : v === value;
    if (!ok)
      return {
        ok: false,
        description: `The access token's "${claim}" claim is not what ${profile.name} access tokens carry`,
      };
  }
  if (profile.audienceBy === 'client_id' && own(payload, 'aud') !== undefined) {
    return { ok: false, description: 'The token has an "aud" claim, which this provider puts only in ID tokens' };
  }
  let clientId: string | undefined;
  for (const c of profile.clientClaims) {
    const v = own(payload, c);
    if (typeof v === 'string' && v !== '') {
      clientId = v;
      break;
    }
  }
  const seen = new Set<string>();
  for (const c of profile.scopeClaims) {
    for (const s of stringsOf(own(payload, c))) {
      if (scopePrefix === undefined) seen.add(s);
      else if (s.startsWith(scopePrefix) && s.length > scopePrefix.length) seen.add(s.slice(scopePrefix.length));
    }
  }
  let scopes = [...seen];
  if (profile.permissionsFilter && own(payload, 'permissions') !== undefined) {
    const held = new Set(stringsOf(own(payload, 'permissions')));
    scopes = scopes.filter((s) => held.has(s));
  }
  const roles = [...new Set(profile.roleClaims.flatMap((c) => stringsOf(own(payload, c))))];
  return { ok: true, clientId, scopes, roles };
}

const ENTRA_V2 = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/;
const ENTRA_MULTI = new Set(['common', 'organizations', 'consumers']);

/**
 * Why `issuer` cannot be what this profile's tokens carry, when its host is the IdP's own (custom domains
 * are not judged); undefined when it looks right. Pure.
 */
export function issuerProblem(name: AuthProfileName, issuer: string): string | undefined {
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    return undefined; // config reports a bad URL itself
  }
  const host = u.hostname.toLowerCase();
  if (name === 'entra') {
    if (host === 'sts.windows.net')
      return 'is the Entra v1 issuer; set "accessTokenAcceptedVersion": 2 in the API app manifest and use https://login.microsoftonline.com/<tenant-id>/v2.0';
    if (host === 'login.microsoftonline.com') {
      const m = ENTRA_V2.exec(issuer);
      if (!m) return 'must be the v2 issuer https://login.microsoftonline.com/<tenant-id>/v2.0';
      if (ENTRA_MULTI.has(m[1]!.toLowerCase()))
        return `names "${m[1]}", but tokens carry the tenant id: use https://login.microsoftonline.com/<tenant-id>/v2.0`;
    }
  }
  if (name === 'okta' && /\.(okta|oktapreview|okta-emea)\.com$/.test(host) && !/^\/oauth2\/[^/]+$/.test(u.pathname)) {
    return 'must be a custom authorization server, https://<org>.okta.com/oauth2/<id> (e.g. /oauth2/default): the org authorization server issues no tokens for your own APIs';
  }
  if (name === 'auth0' && host.endsWith('.auth0.com') && (u.pathname !== '/' || !issuer.endsWith('/'))) {
    return 'must be https://<tenant>.auth0.com/ with the trailing slash, as Auth0 writes iss';
  }
  if (
    name === 'cognito' &&
    /^(issuer-)?cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(host) &&
    !/^\/[a-z0-9-]+_[A-Za-z0-9]+$/.test(u.pathname)
  ) {
    return 'must be https://cognito-idp.<region>.amazonaws.com/<user-pool-id> (or the issuer-cognito-idp form), without a trailing slash';
  }
  return undefined;
}
