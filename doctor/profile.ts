// Which identity provider a token looks like, from its claims alone (decoded, never trusted), and what the
// server must then be told (AUTH_PROFILE, AUTH_AUDIENCE, AUTH_ALLOWED_CLIENT_IDS, AUTH_SCOPE_PREFIX) for it
// to accept such tokens. The rules of each profile are the server's own table (lib/auth/profiles.ts, pure
// and import-free, which is why the doctor may use it): the doctor never guesses differently from what the
// server then does.
//
//   guessProfile(payload): { profile, why }
//   profileAdvice(payload, url, requiredScopes): { profile, why, settings, scopes, prefix? }
import { type AuthProfileName, authProfile, issuerProblem, readClaims, stringsOf } from '../lib/auth/profiles.ts';

type Claims = Record<string, unknown>;

const own = (p: Claims, k: string): unknown => (Object.hasOwn(p, k) ? p[k] : undefined);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The profile a token's claims look like, and the claims that said so. Pure. */
export function guessProfile(payload: Claims): { profile: AuthProfileName; why: string } {
  const iss = text(own(payload, 'iss'));
  let host = '';
  try {
    host = new URL(iss).hostname.toLowerCase();
  } catch {
    // no usable iss: judged by the other claims
  }
  if (own(payload, 'token_use') !== undefined || /^(issuer-)?cognito-idp\./.test(host)) {
    return { profile: 'cognito', why: 'token_use / client_id and a Cognito user-pool issuer' };
  }
  if ((own(payload, 'ver') === '2.0' && own(payload, 'tid') !== undefined) || host === 'login.microsoftonline.com') {
    return { profile: 'entra', why: 'ver "2.0" with tid (Entra ID v2 access token)' };
  }
  if (own(payload, 'tid') !== undefined && host === 'sts.windows.net') {
    return { profile: 'entra', why: 'tid with the v1 issuer sts.windows.net (an Entra ID v1 token)' };
  }
  if (own(payload, 'permissions') !== undefined || (iss.endsWith('/') && host.endsWith('.auth0.com'))) {
    return { profile: 'auth0', why: 'permissions, or an https://….auth0.com/ issuer' };
  }
  if (iss.includes('/oauth2/') || own(payload, 'cid') !== undefined) {
    return { profile: 'okta', why: 'an /oauth2/<id> issuer and cid (Okta custom authorization server)' };
  }
  if (own(payload, 'azp') !== undefined && own(payload, 'typ') !== undefined && iss.includes('/realms/')) {
    return { profile: 'keycloak', why: 'azp, typ and a /realms/<realm> issuer' };
  }
  return { profile: 'generic', why: 'no provider-specific claims' };
}

export interface ProfileAdvice {
  profile: AuthProfileName;
  why: string;
  /** Server settings that make it accept tokens like this one (NAME=value), in the order to set them. */
  settings: string[];
  /** The token's scopes as that profile reads them (prefix stripped when one was found). */
  scopes: string[];
  /** Why the profile's own rules would still refuse this token (an ID token, a v1 token...), if they would. */
  refusal?: string;
}

/** The longest common prefix ending in '/' under which the token carries every required scope, if any. */
function prefixFor(raw: string[], required: readonly string[]): string | undefined {
  for (const s of raw) {
    const cut = s.lastIndexOf('/');
    if (cut < 0) continue;
    const prefix = s.slice(0, cut + 1);
    if (required.every((r) => raw.includes(`${prefix}${r}`))) return prefix;
  }
  return undefined;
}

/** What the server needs to accept a token like `payload` for `url` with `requiredScopes`. Pure. */
export function profileAdvice(payload: Claims, url: string, requiredScopes: readonly string[]): ProfileAdvice {
  const { profile: name, why } = guessProfile(payload);
  const profile = authProfile(name);
  const settings: string[] = name === 'generic' ? [] : [`AUTH_PROFILE=${name}`];
  const iss = text(own(payload, 'iss'));
  const problem = iss ? issuerProblem(name, iss) : undefined;
  if (iss) settings.push(`AUTH_ISSUER=${iss}`);
  const raw = profile.scopeClaims.flatMap((c) => stringsOf(own(payload, c)));
  const prefix = requiredScopes.every((r) => raw.includes(r)) ? undefined : prefixFor(raw, requiredScopes);
  const read = readClaims(profile, payload, prefix);
  if (profile.audienceBy === 'client_id') {
    const clientId = text(own(payload, 'client_id'));
    settings.push(`AUTH_ALLOWED_CLIENT_IDS=${clientId || '<the app client id>'}`);
  } else if (name === 'entra' || name === 'okta' || name === 'auth0') {
    // These IdPs name the API by their own identifier (client id, App ID URI, api://default, the API
    // identifier). For generic/keycloak the fix is the token's aud, never AUTH_AUDIENCE=account.
    const aud = stringsOf(own(payload, 'aud'));
    if (!aud.includes(url) && aud.length) settings.push(`AUTH_AUDIENCE=${aud[0]}`);
  }
  if (prefix) settings.push(`AUTH_SCOPE_PREFIX=${prefix}`);
  const advice: ProfileAdvice = { profile: name, why, settings, scopes: read.ok ? read.scopes : [] };
  if (!read.ok) advice.refusal = read.description;
  else if (problem) advice.refusal = `its issuer ${problem}`;
  return advice;
}
