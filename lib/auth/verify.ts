// Access token verification (RFC 9068 profile, RFC 8725 best practices), with jose only.
//
// Rules, in the order they run (cheap, offline checks first, so garbage never causes a key fetch):
//   size <= auth.maxTokenBytes; header decodes; alg in auth.algorithms (config allows only asymmetric
//   algorithms, so never `none` and never HS*: an HS256 token "signed" with the RSA public key fails here
//   and again in jose); header typ, when present, is at+jwt, application/at+jwt or JWT; no `crit` header
//   (we understand no JWS extensions); then jose jwtVerify: signature with a key from the configured
//   JWKS only (jku/x5u/jwk headers are never read), exact iss, aud contains auth.audience (so Keycloak's
//   `account` alone never passes), exp required, nbf with clockToleranceSec; then: iat not in the future
//   (beyond the tolerance), not an ID token, the profile's claim rules (profiles.ts: required claims such as
//   Cognito's token_use=access, no aud where the IdP puts aud only in ID tokens, where scopes and the client
//   id are read, the scope prefix), client allow-list, a subject.
//
// AUTH_PROFILE picks which claim proves the audience: `aud` containing one of auth.audiences (every profile
// but cognito), or, for cognito, `client_id` in auth.allowedClientIds (required non-empty by config).
//
// ID tokens (decision): rejected when the payload `typ` claim is present and is not `Bearer`/`at+jwt`
// (Keycloak marks ID tokens `typ: "ID"` and refresh tokens `Refresh`), or when the token carries an
// OIDC ID-token claim (`nonce`, `at_hash`, `c_hash`) and no scope at all. An ID token also normally
// fails the audience check, since its `aud` is the client id.
//
// Cognito with jose alone (decision, 2026-12): aws-jwt-verify 5.2.1 was measured (import on this 2-core machine,
// median of 11: ~13 ms alone, ~17 ms for jose, ~31 ms for both) and would come on top of jose, which every other
// profile needs. Its CognitoJwtVerifier derives the JWKS URL from the pool id's AWS host, so it can point neither at
// AUTH_JWKS_URL nor at moto, and it keeps a second JWKS cache beside jwks.ts. What it adds for Cognito (token_use,
// client_id, no aud, both issuer forms) is three rows of profiles.ts and profile-config.ts's issuer pair.
//
// Tokens that passed every rule are remembered for up to 30 s (token-cache.ts), exp re-checked on each use.
//
// Error descriptions are fixed strings; no claim value and never the token reaches them.

import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import type { AuthConfig } from '../config.ts';
import { AuthError } from './errors.ts';
import type { Identity } from './identity.ts';
import { keyResolverFor } from './jwks.ts';
import { authProfile, readClaims, stringsOf } from './profiles.ts';
import { cachedIdentity, rememberIdentity, TTL_MS, verifiedTokenKey } from './token-cache.ts';

/** For the init-time prefetch (authenticate.ts), which loads this module lazily like the verifier itself. */
export { prefetchSigningKeys } from './jwks.ts';

export type VerifyConfig = Pick<
  AuthConfig,
  | 'issuer'
  | 'jwksUrl'
  | 'audience'
  | 'algorithms'
  | 'clockToleranceSec'
  | 'jwksCooldownMs'
  | 'jwksTimeoutMs'
  | 'allowedClientIds'
  | 'maxTokenBytes'
> &
  Partial<
    Pick<AuthConfig, 'verifiedTokenCacheMs' | 'profile' | 'audiences' | 'scopePrefix' | 'issuers' | 'policyClaims'>
  >;

const ACCESS_TOKEN_TYPS = new Set(['at+jwt', 'jwt']);
const ACCESS_TOKEN_TYP_CLAIMS = new Set(['bearer', 'at+jwt']);
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'];
const NAMED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'typ']);

const invalid = (description: string) => new AuthError('invalid_token', description);

/** RFC 8725 section 3.11 / RFC 9068 section 2.1: `application/` prefix optional, case-insensitive. */
export function tokenTypeAllowed(typ: unknown): boolean {
  if (typ === undefined) return true;
  if (typeof typ !== 'string') return false;
  return ACCESS_TOKEN_TYPS.has(typ.toLowerCase().replace(/^application\//, ''));
}

/** The token's scopes: `scope` (space separated) and/or `scp` (a string or a list), each once. Pure. */
export function scopesOf(payload: JWTPayload): string[] {
  return [...new Set([...stringsOf(payload.scope), ...stringsOf(payload.scp)])];
}

/** Pure predicate: the payload is an ID (or refresh) token rather than an access token (see the header). */
export function looksLikeIdToken(payload: JWTPayload): boolean {
  const typ = payload.typ;
  if (typ !== undefined && (typeof typ !== 'string' || !ACCESS_TOKEN_TYP_CLAIMS.has(typ.toLowerCase()))) return true;
  const hasScope = payload.scope !== undefined || payload.scp !== undefined;
  return !hasScope && ID_TOKEN_CLAIMS.some((c) => payload[c] !== undefined);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Maps jose's errors to fixed, safe descriptions. Anything unexpected is still a 401, never a 5xx. */
function fromJose(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof errors.JWTExpired) return invalid('The access token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return NAMED_CLAIMS.has(err.claim)
      ? invalid(`The access token's "${err.claim}" claim is invalid`)
      : invalid('The access token claims are invalid');
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid('The token signing algorithm is not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('The token signature is invalid');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid('No signing key matches the token');
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported ||
    err instanceof errors.JWKInvalid
  ) {
    return invalid('The access token is malformed');
  }
  return invalid('The signing keys are unavailable');
}

/** Offline header checks, before any key lookup. */
function checkHeader(token: string, auth: VerifyConfig): void {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (token.split('.').length !== 3) throw new Error('not a JWS compact serialization');
    header = decodeProtectedHeader(token);
  } catch {
    throw invalid('The access token is malformed');
  }
  if (typeof header.alg !== 'string' || !auth.algorithms.includes(header.alg)) {
    throw invalid('The token signing algorithm is not allowed');
  }
  if (!tokenTypeAllowed(header.typ)) throw invalid('The token type is not an access token');
  if (header.crit !== undefined) throw invalid('The token has critical header parameters we do not support');
}

/** The AUTH_POLICY_CLAIMS claims the token carries, as strings or string lists (for Cedar policies). */
function policyClaimsOf(payload: JWTPayload, names: readonly string[]): Identity['claims'] {
  const out: NonNullable<Identity['claims']> = {};
  for (const name of names) {
    const v = Object.hasOwn(payload, name) ? payload[name] : undefined;
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v)) out[name] = v.filter((x): x is string => typeof x === 'string');
  }
  return Object.keys(out).length ? out : undefined;
}

function identityFrom(payload: JWTPayload, auth: VerifyConfig): Identity {
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat === 'number' && payload.iat > now + auth.clockToleranceSec) {
    throw invalid(`The access token's "iat" claim is invalid`);
  }
  if (looksLikeIdToken(payload)) throw invalid('ID tokens are not accepted; send an access token');
  const profile = authProfile(auth.profile);
  const read = readClaims(profile, payload, auth.scopePrefix);
  if (!read.ok) throw invalid(read.description);
  const clientId = read.clientId;
  // cognito: the allow-list is the audience check, so an empty one (config refuses it) admits nobody.
  const listed = auth.allowedClientIds.length > 0 || profile.audienceBy === 'client_id';
  if (listed && (clientId === undefined || !auth.allowedClientIds.includes(clientId))) {
    throw invalid('The token was issued to a client that is not allowed');
  }
  const subject = str(payload.sub) ?? clientId;
  if (!subject) throw invalid('The access token names no subject');
  const identity: Identity = {
    subject,
    clientId,
    scopes: read.scopes,
    expiresAt: payload.exp as number,
    issuer: payload.iss as string,
  };
  const jti = str(payload.jti);
  const sid = str(payload.sid);
  if (jti) identity.jti = jti;
  if (sid) identity.sid = sid;
  if (read.roles.length) identity.roles = read.roles;
  const claims = policyClaimsOf(payload, auth.policyClaims ?? []);
  if (claims) identity.claims = claims;
  return identity;
}

/** The caller's identity when `token` passes every rule above; rejects with AuthError('invalid_token', ...). */
export async function verifyAccessToken(token: string, auth: VerifyConfig): Promise<Identity> {
  if (token.length > auth.maxTokenBytes) throw invalid('The access token is too large');
  // A token that passed everything below moments ago, with exp re-checked now (token-cache.ts says why
  // this is the same decision the full path would make).
  const cacheMs = auth.verifiedTokenCacheMs ?? TTL_MS;
  const cacheKey = cacheMs > 0 ? verifiedTokenKey(token) : undefined;
  const cached = cacheKey ? cachedIdentity(auth, cacheKey, Date.now(), auth.clockToleranceSec) : undefined;
  if (cached) return cached;
  checkHeader(token, auth);
  try {
    const getKey = await keyResolverFor(auth);
    const { payload } = await jwtVerify(token, getKey, {
      // AUTH_ISSUER exactly (cognito: or the same pool's other issuer form, profile-config.ts).
      issuer: auth.issuers?.length ? auth.issuers : auth.issuer,
      // undefined for cognito: its access tokens carry no aud (readClaims refuses one that does).
      audience: authProfile(auth.profile).audienceBy === 'aud' ? (auth.audiences ?? auth.audience) : undefined,
      algorithms: auth.algorithms,
      clockTolerance: auth.clockToleranceSec,
      requiredClaims: ['exp'],
    });
    const identity = identityFrom(payload, auth);
    if (cacheKey) rememberIdentity(auth, cacheKey, identity, Date.now(), cacheMs);
    return identity;
  } catch (err) {
    throw fromJose(err);
  }
}
