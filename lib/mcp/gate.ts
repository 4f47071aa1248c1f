// The SDK-free front of every MCP route: CORS preflight, Origin and Host validation, and bearer
// authentication. Refusals (403, 401, 400) are answered here without loading the MCP SDK, so they
// cost a cold instance almost nothing; only authenticated requests reach the core.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Config } from '../config.ts';
import type { InvocationContext, WebHandler } from '../web-handler.ts';
import { auditPrincipal } from './audit-hooks.ts';
import { corsHeaders, preflight, rejectForeign, withHeaders } from './guards.ts';

export type AuthOutcome = { ok: true; authInfo: AuthInfo } | { ok: false; response: Response };

export type AuthenticatedHandler = (request: Request, authInfo: AuthInfo, ctx: InvocationContext) => Promise<Response>;

export function withGate(
  cfg: Config,
  authenticate: (request: Request) => Promise<AuthOutcome>,
  /** Gives the handler for authenticated requests; a loader, so it can import the core on first use. */
  next: () => Promise<AuthenticatedHandler>,
  methods = 'GET, POST, DELETE, OPTIONS',
): WebHandler {
  return async (request, ctx) => {
    if (request.method === 'OPTIONS') return preflight(request, cfg, methods);
    const foreign = rejectForeign(request, cfg);
    if (foreign) return foreign;
    const cors = corsHeaders(request, cfg);
    const auth = await authenticate(request);
    if (!auth.ok) return withHeaders(auth.response, cors);
    auditPrincipal(request, auth.authInfo);
    const handler = await next();
    return withHeaders(await handler(request, auth.authInfo, ctx), cors);
  };
}
