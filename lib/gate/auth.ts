// The bearer check in the shape the gate wants: the SDK's AuthInfo (carrying the Identity) or the
// refusal to send. The SDK is a type-only import: the 401 path must not load it.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { authenticate, toAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';

export type AuthOutcome = { ok: true; authInfo: AuthInfo } | { ok: false; response: Response };

/** The bearer check every protected route shares (lib/auth's authenticate, packed for the SDK). */
export function bearerAuth(cfg: Config): (request: Request) => Promise<AuthOutcome> {
  const resource = { audience: cfg.auth.audience, resourceMetadataUrl: cfg.resourceMetadataUrl };
  return async (request) => {
    const result = await authenticate(request, cfg);
    return result.ok
      ? { ok: true, authInfo: toAuthInfo(result.identity, resource) }
      : { ok: false, response: result.response };
  };
}
