// The auth-profile part of the configuration (AUTH_PROFILE and the settings it governs), parsed here so that
// lib/config.ts only spreads the result in. Fails fast, naming the variable, through the `fail` factory that
// lib/config.ts passes (its ConfigError; importing it here would make an import cycle).
//
//   AUTH_PROFILE             generic (default: today's rules exactly) | keycloak | cognito | entra | okta | auth0
//   AUTH_AUDIENCE            the audience(s) `aud` must contain, comma or space separated; default MCP_PUBLIC_URL.
//                            generic/keycloak: URLs (the RFC 8707 resource). entra: the Application ID URI and/or
//                            the API's client id (v2 tokens carry the client id); okta: the AS's audience
//                            (api://default ...); auth0: the API identifier. cognito: must be unset (no aud).
//   AUTH_ALLOWED_CLIENT_IDS  client ids allowed to call; required (non-empty) for cognito.
//   AUTH_SCOPE_PREFIX        stripped from scopes before the scope rule; only scopes under it count
//                            (Cognito resource server identifier + "/", e.g. https://mcp.example.com/).
import { AUTH_PROFILE_NAMES, type AuthProfileName, isAuthProfileName, issuerProblem } from './profiles.ts';

/** The profile settings of AuthConfig. */
export interface AuthProfileSettings {
  /** AUTH_PROFILE. */
  profile: AuthProfileName;
  /** The RFC 8707 resource this server is (AuthInfo.resource): AUTH_AUDIENCE's first URL, else MCP_PUBLIC_URL. */
  audience: string;
  /** Every value `aud` may contain to be for us (empty for cognito, whose access tokens carry no aud). */
  audiences: string[];
  /** Optional allow-list of client ids (`client_id`, `azp` or `cid` as the profile says); required for cognito. */
  allowedClientIds: string[];
  /** AUTH_SCOPE_PREFIX, when set. */
  scopePrefix: string | undefined;
  /**
   * Every exact `iss` accepted: AUTH_ISSUER; for cognito also the same pool's other issuer form (Cognito's
   * ORIGINAL https://cognito-idp.<region>… and UPDATED https://issuer-cognito-idp.<region>… issuers name one pool
   * and serve one key set, and a pool switched from one to the other has tokens of both in flight).
   */
  issuers: string[];
}

type Env = Record<string, string | undefined>;
type Fail = (variable: string, problem: string) => Error;

function entries(env: Env, name: string): string[] {
  return (env[name] ?? '').split(/[\s,]+/).filter(Boolean);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.hash;
  } catch {
    return false;
  }
}

/** Parses and checks the profile settings; `issuer` is AUTH_ISSUER ('' with auth off). */
export function loadAuthProfileSettings(env: Env, publicUrl: string, issuer: string, fail: Fail): AuthProfileSettings {
  const raw = env.AUTH_PROFILE?.trim() || 'generic';
  if (!isAuthProfileName(raw))
    throw fail('AUTH_PROFILE', `must be one of ${AUTH_PROFILE_NAMES.join(', ')}, got "${raw}"`);
  const profile = raw;
  const given = entries(env, 'AUTH_AUDIENCE');
  const allowedClientIds = entries(env, 'AUTH_ALLOWED_CLIENT_IDS');
  const prefix = env.AUTH_SCOPE_PREFIX?.trim() || undefined;
  if (prefix !== undefined && /[\s"\\]/.test(prefix)) {
    throw fail('AUTH_SCOPE_PREFIX', 'must not contain spaces, quotes or backslashes');
  }
  if (issuer) {
    const problem = issuerProblem(profile, issuer);
    if (problem) throw fail('AUTH_ISSUER', `${problem} (AUTH_PROFILE=${profile}), got "${issuer}"`);
  }
  if (profile === 'cognito') {
    if (given.length) {
      throw fail(
        'AUTH_AUDIENCE',
        'must be unset with AUTH_PROFILE=cognito: Cognito access tokens carry no aud; list the app client ids in AUTH_ALLOWED_CLIENT_IDS',
      );
    }
    if (!allowedClientIds.length) {
      throw fail(
        'AUTH_ALLOWED_CLIENT_IDS',
        'is required with AUTH_PROFILE=cognito: Cognito access tokens carry no aud, so the app client id (client_id) is what proves a token is for this server',
      );
    }
    return {
      profile,
      audience: publicUrl,
      audiences: [],
      allowedClientIds,
      scopePrefix: prefix,
      issuers: cognitoIssuers(issuer),
    };
  }
  const urlOnly = profile === 'generic' || profile === 'keycloak';
  for (const a of given) {
    if (urlOnly && !isHttpUrl(a)) throw fail('AUTH_AUDIENCE', `must be an absolute http(s) URL, got "${a}"`);
  }
  const audiences = given.length ? given : [publicUrl];
  const audience = audiences.find(isHttpUrl) ?? publicUrl;
  return { profile, audience, audiences, allowedClientIds, scopePrefix: prefix, issuers: issuer ? [issuer] : [] };
}

const COGNITO_ISSUER = /^https:\/\/(issuer-)?cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9-]+_[A-Za-z0-9]+)$/;

/** AUTH_ISSUER and, for a Cognito pool issuer, the same pool's other form (see AuthProfileSettings.issuers). */
function cognitoIssuers(issuer: string): string[] {
  const m = COGNITO_ISSUER.exec(issuer);
  if (!m) return issuer ? [issuer] : [];
  const other = `https://${m[1] ? '' : 'issuer-'}cognito-idp.${m[2]}.amazonaws.com/${m[3]}`;
  return [issuer, other];
}
