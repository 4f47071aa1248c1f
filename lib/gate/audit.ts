// The audit span around every protected request: opened before anything else runs (so refusals and
// malformed requests get their record too) and told who the caller is once the gate knows.
import { type Auditor, auditorFor, auditSpanOf, endOnDelivery, withAudit } from '../audit/auditor.ts';
import { interruptionOf } from '../audit/facts.ts';
import type { Identity } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { EarlyAnswerer, WebApp } from '../web-handler.ts';

/**
 * One audit record per request; records are flushed before the invocation ends. An early answer of `app`
 * gets its record too, the one withAudit writes for the equal Response: opened on the head, ended with the
 * status and what lib/http delivered of the body (or the body's bytes, as one chunk, when nothing is told).
 */
export function audited(cfg: Config, app: WebApp): WebApp {
  const auditor = auditorFor(cfg);
  const handler = withAudit(app, auditor);
  const wrapped: WebApp = async (request, ctx) => {
    ctx.waitUntil(() => auditor.flush());
    return handler(request, ctx);
  };
  if (app.early) wrapped.early = auditedEarly(app.early, auditor);
  return wrapped;
}

function auditedEarly(early: EarlyAnswerer, auditor: Auditor): EarlyAnswerer {
  return (head, ctx) => {
    const answer = early(head, ctx);
    if (answer === undefined) return undefined;
    ctx.waitUntil(() => auditor.flush());
    const span = auditor.begin(head, ctx);
    const status = answer.status;
    if (ctx.onDelivered) {
      ctx.onDelivered(endOnDelivery(span, status, ctx.signal));
    } else {
      const bytes = Buffer.byteLength(answer.body);
      span.end({ status, bytesOut: bytes, chunksOut: bytes > 0 ? 1 : 0, interrupted: interruptionOf(ctx.signal) });
    }
    return answer;
  };
}

/** Names the caller on the request's audit span: identifiers only, never the token. */
export function auditPrincipal(request: Request, identity: Identity): void {
  auditSpanOf(request)?.setPrincipal(identity);
}
