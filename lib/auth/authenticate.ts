// The bearer check every protected route (/mcp, /sse, /messages/) runs; only the PRM routes are public.
// jose (verification) is loaded only when a token has to be verified, so the cold 401 path (no token, a
// bad header) loads neither jose nor the MCP SDK.
import type { Config } from '../config.ts';
import { extractBearer } from './bearer.ts';
import { insufficientScope, rejection, unauthorized } from './challenge.ts';
import { AuthError } from './errors.ts';
import type { Identity } from './identity.ts';
import { missingScopes } from './scopes.ts';

/**
 * A verified identity that holds cfg.auth.requiredScopes, or the 400/401/403 answer with its challenge,
 * ready to send; `reason` is a short safe string for the audit log (never the token).
 */
export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; response: Response; status: number; reason: string };

/** Who the caller is when AUTH_DISABLED=true: anonymous, with every supported scope. */
export function anonymousIdentity(cfg: Pick<Config, 'auth'>): Identity {
  return {
    subject: 'anonymous',
    clientId: undefined,
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

/**
 * Loads the verifier and fetches the signing keys ahead of their first use (lib/apps/mcp.ts), in the background.
 * Resolves true when both are in, false otherwise (auth off, a failed load or fetch: each is simply done again by
 * the request that needs it); never rejects. `onSent` (called exactly once): the key request is on the wire, or
 * there is none to wait for (jwks.ts prefetchSigningKeys).
 */
export async function prefetchVerification(cfg: Pick<Config, 'auth'>, onSent: () => void = () => {}): Promise<boolean> {
  if (!cfg.auth.enabled) {
    onSent();
    return false;
  }
  try {
    const { prefetchSigningKeys } = await loadVerify();
    return await prefetchSigningKeys(cfg.auth, onSent);
  } catch {
    onSent();
    return false;
  }
}

function fail(response: Response, reason: string): AuthResult {
  return { ok: false, response, status: response.status, reason };
}

/** Extracts, verifies and scope-checks the request's bearer token (see AuthResult). Never throws. */
export async function authenticate(request: Request, cfg: Config): Promise<AuthResult> {
  if (!cfg.auth.enabled) return { ok: true, identity: anonymousIdentity(cfg) };
  const bearer = await extractBearer(request, cfg.auth);
  if (bearer.kind === 'none') return fail(unauthorized(cfg), bearer.reason);
  if (bearer.kind === 'error') {
    return fail(rejection(cfg, bearer.error), `${bearer.error.code}: ${bearer.error.description}`);
  }
  let identity: Identity;
  try {
    const { verifyAccessToken } = await loadVerify();
    identity = await verifyAccessToken(bearer.token, cfg.auth);
  } catch (err) {
    const authErr = err instanceof AuthError ? err : new AuthError('invalid_token', 'The access token is invalid');
    return fail(unauthorized(cfg, authErr), `${authErr.code}: ${authErr.description}`);
  }
  const missing = missingScopes(identity.scopes, cfg.auth.requiredScopes);
  if (missing.length > 0) {
    return fail(insufficientScope(cfg, cfg.auth.requiredScopes), `insufficient_scope: ${missing.join(' ')}`);
  }
  return { ok: true, identity };
}
