// POST /mcp in a 2025-era session: `initialize` creates the session record; other requests stream their
// replies as SSE, each event also appended to the session's event log (resumable with Last-Event-ID
// on any instance); notifications that belong to no request go to the session's standalone stream.

import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { eventIdFor, newSessionId, type SessionRecord } from '../../store/index.ts';
import { log } from '../../telemetry/index.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { noteCalledTool } from '../called-tool.ts';
import { INVALID_REQUEST, messagesOf, rpcErrorResponse } from '../jsonrpc.ts';
import { principalOf } from '../server.ts';
import { detachedRequest } from './detached.ts';
import { isRequest, isResponse, openSessionServer } from './exchange.ts';
import {
  type Exchange,
  handshakeOf,
  loadSession,
  negotiatedVersion,
  recordingLogLevel,
  refuseInvalid,
  repliesChannel,
  type SessionfulDeps,
  STANDALONE_STREAM,
  supportsPriming,
  workBound,
} from './shared.ts';
import { SSE_HEADERS, sseBody, sseFrame } from './sse.ts';
import { END_OF_STREAM, RETRY_MS } from './tail.ts';

/** Appends an event to a stream of the session; the id it returns is the SSE id (resumable anywhere). */
async function record(deps: SessionfulDeps, sessionId: string, stream: string, message: JSONRPCMessage) {
  try {
    return await deps.stores.events.append(sessionId, stream, message);
  } catch (err) {
    // The reply still reaches the client on this stream; it just cannot be replayed.
    log.warn('event not stored', { error: err });
    return undefined;
  }
}

async function initialize(
  deps: SessionfulDeps,
  ex: Exchange,
  message: JSONRPCMessage & { id: RequestId },
  ctx: InvocationContext,
) {
  const params = ((message as { params?: Record<string, unknown> }).params ?? {}) as Record<string, unknown>;
  const principal = principalOf(ex.authInfo);
  const session = await deps.stores.sessions.create({
    id: newSessionId(),
    subject: principal.subject,
    clientId: principal.clientId,
    protocolVersion: negotiatedVersion(params.protocolVersion),
    clientCapabilities: (params.capabilities as Record<string, unknown>) ?? {},
    clientInfo: params.clientInfo as Record<string, unknown> | undefined,
    initialized: true,
  });
  const bound = workBound(ctx);
  const opened = await openSessionServer({
    factory: deps.factory,
    authInfo: ex.authInfo,
    request: ex.request,
    sessionId: session.id,
    handshake: undefined,
    fallback: () => {},
  });
  let reply: JSONRPCMessage | undefined;
  try {
    await opened.transport.request(
      message,
      opened.extra,
      (m) => {
        if (isResponse(m)) reply = m;
      },
      bound.signal,
    );
  } finally {
    await opened.close();
    bound.release();
  }
  return new Response(JSON.stringify(reply), {
    status: 200,
    headers: { 'content-type': 'application/json', 'mcp-session-id': session.id },
  });
}

/** Serves a POST: initialize creates the session; other requests stream their answers (SSE). */
export async function post(deps: SessionfulDeps, ex: Exchange, ctx: InvocationContext): Promise<Response> {
  const invalid = refuseInvalid(ex.parsedBody);
  if (invalid) return invalid;
  const list = messagesOf(ex.parsedBody) as JSONRPCMessage[];
  const init = list.find((m) => isRequest(m) && m.method === 'initialize');
  if (init) {
    if (list.length > 1) {
      return rpcErrorResponse(400, INVALID_REQUEST, 'Invalid Request: initialize must not be part of a batch');
    }
    return initialize(deps, ex, init as JSONRPCMessage & { id: RequestId }, ctx);
  }
  const accept = ex.request.headers.get('accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return rpcErrorResponse(
      406,
      INVALID_REQUEST,
      'Not Acceptable: Client must accept both application/json and text/event-stream',
    );
  }
  const { sessions, messages } = deps.stores;
  const loaded = await loadSession(sessions, ex.request, ex.authInfo);
  if (loaded instanceof Response) return loaded;
  const s: SessionRecord = loaded;
  await sessions.touch(s.id);
  // Replies to server->client requests go to whichever instance holds the waiting request.
  for (const r of list.filter(isResponse)) await messages.publish(repliesChannel(s.id), r);

  const bound = workBound(ctx);
  // 2025 semantics: a client that drops the stream has not cancelled (it sends notifications/cancelled
  // for that); the work goes on and stays resumable, so tools see only the bound, not the disconnect.
  const detached = detachedRequest(ex.request, bound.signal);
  // One message (the replayed handshake needs no tool): a tools/call's server registers the called tool only.
  if (list.length === 1) noteCalledTool(detached, list[0]);
  const opened = await openSessionServer({
    factory: deps.factory,
    authInfo: ex.authInfo,
    request: detached,
    sessionId: s.id,
    handshake: handshakeOf(s),
    fallback: async (m) => {
      await record(deps, s.id, STANDALONE_STREAM, m);
    },
    replies: { messages, channel: repliesChannel(s.id) },
    signal: bound.signal,
  });
  for (const n of list.filter((m) => !('id' in m))) opened.transport.deliver(n, opened.extra);
  const requests = list.filter(isRequest);
  if (requests.length === 0) {
    ctx.waitUntil(opened.close().finally(bound.release));
    return new Response(null, { status: 202 });
  }

  const streamKey = `post-${crypto.randomUUID()}`;
  const body = sseBody();
  if (supportsPriming(s.protocolVersion)) {
    body.write(sseFrame({ id: eventIdFor(s.id, streamKey, 0), data: '', retryMs: RETRY_MS }));
  }
  const emit = recordingLogLevel(sessions, s.id, requests, async (m: JSONRPCMessage) => {
    const id = await record(deps, s.id, streamKey, m);
    body.write(sseFrame({ id, event: 'message', data: JSON.stringify(m) }));
  });
  const work = (async () => {
    try {
      await Promise.all(requests.map((r) => opened.transport.request(r, opened.extra, emit, bound.signal)));
      // A client resuming this stream elsewhere learns that it is complete.
      await record(deps, s.id, streamKey, END_OF_STREAM as unknown as JSONRPCMessage);
    } finally {
      await opened.close();
      bound.release();
      body.close();
    }
  })();
  // A client that goes away does not cancel the work (2025 semantics): the remaining events are
  // still recorded and can be resumed with Last-Event-ID, so the invocation lives until it is done.
  ctx.waitUntil(work);
  return new Response(body.stream, { status: 200, headers: { ...SSE_HEADERS, 'mcp-session-id': s.id } });
}
