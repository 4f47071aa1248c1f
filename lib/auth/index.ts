// lib/auth: bearer extraction, JWT verification (jose, loaded lazily), WWW-Authenticate challenges,
// the PRM document, the scope rule, the auth profiles (AUTH_PROFILE) and the caller's Identity. The PRM
// function imports './prm.ts' directly; the SDK appears here as types only.
export { type AuthResult, anonymousIdentity, authenticate, prefetchVerification } from './authenticate.ts';
export { type BearerResult, extractBearer, surelyNoCredential } from './bearer.ts';
export { insufficientScope, invalidRequest, noTokenAnswer, rejection, unauthorized } from './challenge.ts';
export { AuthError, type AuthErrorCode, isAuthError } from './errors.ts';
export { type Identity, identityOf, toAuthInfo } from './identity.ts';
export { handlePrm, PRM_ROOT_PATH, prmDocument, prmError, prmPaths } from './prm.ts';
export { type AuthProfileSettings, loadAuthProfileSettings } from './profile-config.ts';
export {
  AUTH_PROFILE_NAMES,
  type AuthProfile,
  type AuthProfileName,
  authProfile,
  type ClaimReading,
  isAuthProfileName,
  issuerProblem,
  readClaims,
} from './profiles.ts';
export { hasScopes, missingScopes } from './scopes.ts';
