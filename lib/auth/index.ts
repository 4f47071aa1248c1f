// The auth gate for every protected route (/mcp, /sse, /messages/). Only the PRM routes are public.
//
//   authenticate(request, cfg): Promise<AuthResult>
//     { ok: true, principal }                              token verified and cfg.auth.requiredScopes held
//     { ok: false, response, status, reason }              400/401/403 with its challenge, ready to send;
//                                                          `reason` is a short safe string for the audit log
//   anonymousPrincipal(cfg): Principal                     what AUTH_DISABLED=true yields
//   toSdkAuthInfo(principal, cfg?): AuthInfo               the MCP SDK v2 AuthInfo, with token: ''
//
// Re-exports the building blocks (challenges, scope predicates, PRM, AuthError, Principal). The PRM function
// should import './prm.ts' directly. This module loads jose (verification) only when a token has to be
// verified, so the cold 401 path (no token, bad header) loads neither jose nor the MCP SDK; the SDK is a
// type-only import here.

import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Config } from '../config.ts';
import { extractBearer } from './bearer.ts';
import { insufficientScope, rejection, unauthorized } from './challenge.ts';
import { AuthError } from './errors.ts';
import type { Principal } from './principal.ts';
import { missingScopes } from './scopes.ts';

export { extractBearer } from './bearer.ts';
export { insufficientScope, invalidRequest, rejection, unauthorized } from './challenge.ts';
export { AuthError, type AuthErrorCode, isAuthError } from './errors.ts';
export type { Principal } from './principal.ts';
export { handlePrm, prmDocument, prmHandler, prmPaths } from './prm.ts';
export { hasScopes, missingScopes } from './scopes.ts';

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; response: Response; status: number; reason: string };

export function anonymousPrincipal(cfg: Pick<Config, 'auth'>): Principal {
  return {
    subject: 'anonymous',
    clientId: '',
    scopes: [...cfg.auth.scopesSupported],
    expiresAt: 0,
    issuer: cfg.auth.issuer,
  };
}

type VerifyModule = typeof import('./verify.ts');
let verifyModule: Promise<VerifyModule> | undefined;

/** The verifier, imported once: a dynamic import() per request costs a module-map lookup and promise jobs. */
function loadVerify(): Promise<VerifyModule> {
  if (!verifyModule) {
    verifyModule = import('./verify.ts');
    verifyModule.catch(() => {
      verifyModule = undefined; // a failed load is retried by the next request
    });
  }
  return verifyModule;
}

function fail(response: Response, reason: string): AuthResult {
  return { ok: false, response, status: response.status, reason };
}

export async function authenticate(request: Request, cfg: Config): Promise<AuthResult> {
  if (!cfg.auth.enabled) return { ok: true, principal: anonymousPrincipal(cfg) };
  const bearer = await extractBearer(request, cfg.auth);
  if (bearer.kind === 'none') return fail(unauthorized(cfg), bearer.reason);
  if (bearer.kind === 'error') {
    return fail(rejection(cfg, bearer.error), `${bearer.error.code}: ${bearer.error.description}`);
  }
  let principal: Principal;
  try {
    // Loaded on first use: keeps jose off the cold no-token path.
    const { verifyAccessToken } = await loadVerify();
    principal = await verifyAccessToken(bearer.token, cfg.auth);
  } catch (err) {
    const authErr = err instanceof AuthError ? err : new AuthError('invalid_token', 'The access token is invalid');
    return fail(unauthorized(cfg, authErr), `${authErr.code}: ${authErr.description}`);
  }
  const missing = missingScopes(principal, cfg.auth.requiredScopes);
  if (missing.length > 0) {
    return fail(insufficientScope(cfg, cfg.auth.requiredScopes), `insufficient_scope: ${missing.join(' ')}`);
  }
  return { ok: true, principal };
}

/**
 * The SDK's AuthInfo for a verified principal. `token` is deliberately '': the bearer token never leaves
 * lib/auth (no passthrough to tools, no logging), so nothing downstream can forward or leak it.
 */
export function toSdkAuthInfo(
  principal: Principal,
  cfg?: Pick<Config, 'resourceMetadataUrl'> & { auth: Pick<Config['auth'], 'audience'> },
): AuthInfo {
  const info: AuthInfo = {
    token: '',
    clientId: principal.clientId,
    scopes: [...principal.scopes],
    extra: { subject: principal.subject, jti: principal.jti, sid: principal.sid },
  };
  if (principal.expiresAt > 0) info.expiresAt = principal.expiresAt;
  if (cfg) {
    info.resource = new URL(cfg.auth.audience);
    info.resourceMetadataUrl = cfg.resourceMetadataUrl;
  }
  return info;
}
