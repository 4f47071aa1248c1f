// What every protected route runs before its app, in this order: a malformed Host / X-Forwarded-Proto
// (or an event lib/http could not carry over) gets 400; a CORS preflight its answer; a foreign Origin
// or Host 403; no valid token 401/403 (400 for a token outside the Authorization header). Refusals are
// answered here without loading the MCP SDK; only authenticated requests load the core (`next`). The
// commonest refusal (no credential at all) is also offered as an early answer (early.ts), when the bearer
// check has one: lib/http then answers it from the request's head, with the same bytes.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { identityOf } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { InvocationContext, WebApp } from '../web-handler.ts';
import { auditPrincipal } from './audit.ts';
import type { BearerCheck } from './auth.ts';
import { earlyRefusal } from './early.ts';
import { corsHeaders, malformedHeader, malformedRequest, preflight, rejectForeign, withHeaders } from './guards.ts';

/** The app behind the gate: it gets the caller's AuthInfo (identityOf reads the Identity from it). */
export type AuthenticatedHandler = (request: Request, authInfo: AuthInfo, ctx: InvocationContext) => Promise<Response>;

/** `next` behind the guards and the bearer check; `methods` is what the CORS preflight allows. */
export function withGate(
  cfg: Config,
  authenticate: BearerCheck,
  /** Gives the handler for authenticated requests; a loader, so it can import the core on first use. */
  next: () => Promise<AuthenticatedHandler>,
  methods = 'GET, POST, DELETE, OPTIONS',
): WebApp {
  const gate: WebApp = async (request, ctx) => {
    const malformed = ctx.malformed ?? malformedHeader(request);
    if (malformed) return malformedRequest(malformed);
    if (request.method === 'OPTIONS') return preflight(request, cfg, methods);
    const foreign = rejectForeign(request, cfg);
    if (foreign) return foreign;
    const cors = corsHeaders(request, cfg);
    const auth = await authenticate(request);
    if (!auth.ok) return withHeaders(auth.response, cors);
    auditPrincipal(request, identityOf(auth.authInfo));
    const handler = await next();
    return withHeaders(await handler(request, auth.authInfo, ctx), cors);
  };
  if (authenticate.early) gate.early = earlyRefusal(cfg, authenticate.early);
  return gate;
}
