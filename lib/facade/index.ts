// lib/facade: the registration façade, an OAuth authorization server in front of an IdP that cannot register MCP
// clients (no DCR, no CIMD): RFC 8414 metadata, DCR, CIMD, /authorize with consent, the upstream callback, /token
// issuing the façade's own short-lived JWTs, and the JWKS. Opt-in (FACADE_UPSTREAM_ISSUER); see README,
// "Registration façade".
export { handleAuthorize, handleConsent, type PendingAuthorization, type UpstreamFlow } from './authorize.ts';
export { type CodeGrant, handleCallback } from './callback.ts';
export { cimdUrlProblem, fetchCimdClient, isCimdClientId, isPrivateAddress } from './cimd.ts';
export { type ClientAuthMethod, type FacadeClient, hasPoisonKey, validateClientMetadata } from './client.ts';
export { authenticateClient, basicCredentials } from './client-auth.ts';
export { type FacadeConfig, loadFacadeConfig } from './config.ts';
export { endpoints, type FacadeContext } from './context.ts';
export { errorResponse, FacadeError, type FacadeErrorCode } from './errors.ts';
export { FacadeKeyError, type FacadeKeys, loadFacadeKeys, parseSigningKey } from './keys.ts';
export { metadataDocument } from './metadata.ts';
export { isS256Challenge, s256, verifierMatches } from './pkce.ts';
export { redirectUriProblem, redirectUriRegistered } from './redirect-uri.ts';
export { type RefreshGrant, redeemRefreshToken, revokeFamily, startFamily } from './refresh.ts';
export { handleRegister } from './register.ts';
export { type FacadeRoute, facadeRoute } from './routes.ts';
export { grantedScopes, requestedScopes, splitScopes, upstreamScope } from './scopes.ts';
export { type Consumed, type FacadeStore, memoryFacadeStore, type RecordKind } from './state.ts';
export { handleToken, signAccessToken } from './token.ts';
export { discoverUpstream, exchangeUpstreamCode, type UpstreamGrant, type UpstreamMetadata } from './upstream.ts';
