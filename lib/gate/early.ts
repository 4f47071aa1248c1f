// The gate's early answer: the one refusal a protected route gives most (no credential at all), answered
// from the request's head before lib/http builds a Request. It is offered only when the full path (gate.ts)
// would surely give exactly it: the head is well-formed (no malformed Host or X-Forwarded-Proto), the
// request is no preflight, Origin and Host pass the guards, and the bearer check's own `early` says there
// is no credential. Every other request (a foreign Origin, a token anywhere, a query string, a form body,
// an Origin allowed only through `*`) declines and takes the full path unchanged.
import type { Config } from '../config.ts';
import { type EarlyAnswerer, type RequestHead, type StaticAnswer, staticAnswer } from '../web-handler.ts';
import type { BearerCheck } from './auth.ts';
import { corsHeaders, malformedHeader, rejectForeign } from './guards.ts';

/** The gate's EarlyAnswerer over a bearer check with an early answer (see the file header). */
export function earlyRefusal(cfg: Config, authEarly: NonNullable<BearerCheck['early']>): EarlyAnswerer {
  // The answer with the CORS headers of each Origin on the allow-list, made once (withHeaders' result, as
  // a Response would show it); keyed by the answer, which lib/auth rebuilds when its configuration changes.
  const withCors = new WeakMap<StaticAnswer, Map<string, StaticAnswer>>();
  const corsAnswer = (answer: StaticAnswer, origin: string, head: RequestHead): StaticAnswer | undefined => {
    // An Origin allowed only through `*` is caller input without bound: not cached, so not answered early.
    if (!cfg.allowedOrigins.includes(origin)) return undefined;
    let byOrigin = withCors.get(answer);
    if (!byOrigin) {
      byOrigin = new Map();
      withCors.set(answer, byOrigin);
    }
    let made = byOrigin.get(origin);
    if (!made) {
      made = staticAnswer(answer.status, { ...answer.headers, ...corsHeaders(head, cfg) }, answer.body);
      byOrigin.set(origin, made);
    }
    return made;
  };
  // Every condition must hold, so they are asked cheapest-decline first: a request with a token (the
  // authenticated traffic that takes the full path anyway) is let go at the bearer check.
  return (head, ctx) => {
    if (ctx.malformed !== undefined || head.method === 'OPTIONS') return;
    const answer = authEarly(head);
    if (answer === undefined || malformedHeader(head) !== undefined) return;
    // The full path's own Origin-then-Host guard (its 403 is built only for a request that declines here).
    if (rejectForeign(head, cfg)) return;
    const origin = head.headers.get('origin');
    return origin === null ? answer : corsAnswer(answer, origin, head);
  };
}
