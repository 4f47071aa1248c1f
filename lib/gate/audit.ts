// The audit span around every protected request: opened before anything else runs (so refusals and
// malformed requests get their record too) and told who the caller is once the gate knows.
import { auditorFor, auditSpanOf, withAudit } from '../audit/auditor.ts';
import type { Identity } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../web-handler.ts';

/** One audit record per request; records are flushed before the invocation ends. */
export function audited(cfg: Config, app: WebHandler): WebHandler {
  const auditor = auditorFor(cfg);
  const handler = withAudit(app, auditor);
  return async (request, ctx) => {
    ctx.waitUntil(() => auditor.flush());
    return handler(request, ctx);
  };
}

/** Names the caller on the request's audit span: identifiers only, never the token. */
export function auditPrincipal(request: Request, identity: Identity): void {
  auditSpanOf(request)?.setPrincipal(identity);
}
