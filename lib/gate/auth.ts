// The bearer check in the shape the gate wants: the SDK's AuthInfo (carrying the Identity) or the
// refusal to send. The SDK is a type-only import: the 401 path must not load it.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { authenticate, noTokenAnswer, surelyNoCredential, toAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { RequestHead, StaticAnswer } from '../web-handler.ts';

export type AuthOutcome = { ok: true; authInfo: AuthInfo } | { ok: false; response: Response };

/**
 * A bearer check. `early`, when present, gives from the request's head alone the refusal the check would
 * give (undefined when it cannot tell); only bearerAuth has one, so a check handed in instead (tests, a
 * stand-in) always takes the full path.
 */
export type BearerCheck = ((request: Request) => Promise<AuthOutcome>) & {
  early?: (head: RequestHead) => StaticAnswer | undefined;
};

/** The bearer check every protected route shares (lib/auth's authenticate, packed for the SDK). */
export function bearerAuth(cfg: Config): BearerCheck {
  const resource = { audience: cfg.auth.audience, resourceMetadataUrl: cfg.resourceMetadataUrl };
  const check: BearerCheck = async (request) => {
    const result = await authenticate(request, cfg);
    return result.ok
      ? { ok: true, authInfo: toAuthInfo(result.identity, resource) }
      : { ok: false, response: result.response };
  };
  // authenticate's answer when auth is on and extractBearer finds no credential: unauthorized(cfg).
  check.early = (head) => (cfg.auth.enabled && surelyNoCredential(head, cfg.auth) ? noTokenAnswer(cfg) : undefined);
  return check;
}
