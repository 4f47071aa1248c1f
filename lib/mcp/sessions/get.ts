// GET /mcp in a 2025-era session: tails the session's standalone stream, or resumes any stream of the
// session after Last-Event-ID, from the shared event log (any instance can serve it).

import type { Config } from '../../config.ts';
import { parseEventId } from '../../store/index.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { INVALID_REQUEST, rpcErrorResponse } from '../jsonrpc.ts';
import { type Exchange, loadSession, type SessionfulDeps, STANDALONE_STREAM, supportsPriming } from './shared.ts';
import { SSE_HEADERS, sseBody, sseFrame } from './sse.ts';
import { RETRY_MS, tailStream } from './tail.ts';

/** Opens the session's SSE stream (or resumes one after Last-Event-ID). */
export async function get(cfg: Config, deps: SessionfulDeps, ex: Exchange, ctx: InvocationContext): Promise<Response> {
  if (!(ex.request.headers.get('accept') ?? '').includes('text/event-stream')) {
    return rpcErrorResponse(406, INVALID_REQUEST, 'Not Acceptable: Client must accept text/event-stream');
  }
  if (cfg.responseMode === 'buffered') {
    return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } });
  }
  const { sessions, events } = deps.stores;
  const session = await loadSession(sessions, ex.request, ex.authInfo);
  if (session instanceof Response) return session;
  await sessions.touch(session.id);
  let cursor: string;
  const last = ex.request.headers.get('last-event-id');
  if (last !== null) {
    const parsed = parseEventId(last);
    if (!parsed || parsed.sessionId !== session.id) {
      return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: Last-Event-ID does not belong to this session');
    }
    cursor = last;
  } else cursor = await events.head(session.id, STANDALONE_STREAM);
  const body = sseBody();
  if (supportsPriming(session.protocolVersion)) body.write(sseFrame({ id: cursor, data: '', retryMs: RETRY_MS }));
  const id = session.id;
  const alive = async () => (await sessions.get(id)) !== undefined;
  ctx.waitUntil(tailStream({ events, body, cursor, ctx, cfg, alive }));
  return new Response(body.stream, { status: 200, headers: { ...SSE_HEADERS, 'mcp-session-id': session.id } });
}
