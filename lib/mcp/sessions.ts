// 2025-era sessionful Streamable HTTP (2025-03-26 .. 2025-11-25) over the shared store, so that any
// instance serves any request of a session:
// - POST initialize creates the session record (principal, version, capabilities, TTL);
// - POST requests stream their replies as SSE, every event also appended to the session's event log
//   (resumable with Last-Event-ID on any instance);
// - notifications that belong to no request go to the session's standalone stream in the store;
// - GET tails that stream (or resumes any stream of the session after Last-Event-ID);
// - DELETE ends the session.
// A session is bound to the token subject that created it: another subject gets the same 404 as an
// unknown id, so session ids leak nothing.
import type { AuthInfo, JSONRPCMessage, McpServerFactory, RequestId } from '@modelcontextprotocol/server';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Config } from '../config.ts';
import type { SessionRecord, Stores } from '../store/index.ts';
import { eventIdFor, newSessionId, parseEventId, StoreUnavailableError } from '../store/index.ts';
import type { InvocationContext } from '../web-handler.ts';
import { detachedRequest } from './detached.ts';
import { isRequest, isResponse, openSessionServer, pumpReplies } from './exchange.ts';
import { INVALID_REQUEST, messagesOf, rpcErrorResponse, SERVICE_UNAVAILABLE } from './jsonrpc.ts';
import { principalOf } from './server.ts';
import { SSE_HEADERS, sseBody, sseFrame } from './sse.ts';
import { END_OF_STREAM, RETRY_MS, tailStream } from './tail.ts';

export const STANDALONE_STREAM = 'standalone';
/** Channel on which a client's replies to server->client requests reach the instance that waits for them. */
export const repliesChannel = (sessionId: string) => `replies:${sessionId}`;

const LEGACY_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026');

/** Pure: the version a 2025-era server answers to an initialize asking for `requested`. */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : LEGACY_VERSIONS[0]!;
}

/** Pure predicate: the client understands an SSE event with an id and empty data (2025-11-25 and later). */
export function supportsPriming(version: string): boolean {
  return version >= '2025-11-25';
}

export function unavailable(err: unknown): Response {
  console.error(JSON.stringify({ level: 'ERROR', message: 'session store unavailable', error: String(err) }));
  return rpcErrorResponse(503, SERVICE_UNAVAILABLE, 'Service Unavailable: the session store cannot be reached', {
    headers: { 'retry-after': '1' },
  });
}

export function sessionNotFound(): Response {
  return rpcErrorResponse(404, -32001, 'Session not found');
}

export interface SessionfulDeps {
  factory: McpServerFactory;
  stores: Stores;
}

interface Exchange {
  request: Request;
  authInfo: AuthInfo;
  parsedBody?: unknown;
}

export function createSessionfulHandler(cfg: Config, deps: SessionfulDeps) {
  const { sessions, events, messages } = deps.stores;

  /** The session named by the request, if it exists and belongs to this subject. */
  async function loadSession(request: Request, authInfo: AuthInfo): Promise<SessionRecord | Response> {
    const id = request.headers.get('mcp-session-id');
    if (!id) return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header is required');
    const record = await sessions.get(id);
    if (!record || record.subject !== principalOf(authInfo).subject) return sessionNotFound();
    const header = request.headers.get('mcp-protocol-version');
    if (header !== null && !LEGACY_VERSIONS.includes(header)) {
      return rpcErrorResponse(400, INVALID_REQUEST, `Bad Request: Unsupported protocol version: ${header}`);
    }
    return record;
  }

  /** Appends an event to a stream of the session; the id it returns is the SSE id (resumable anywhere). */
  async function record(sessionId: string, stream: string, message: JSONRPCMessage): Promise<string | undefined> {
    try {
      return await events.append(sessionId, stream, message);
    } catch (err) {
      // The reply still reaches the client on this stream; it just cannot be replayed.
      console.error(JSON.stringify({ level: 'WARN', message: 'event not stored', error: String(err) }));
      return undefined;
    }
  }

  async function initialize(ex: Exchange, message: JSONRPCMessage & { id: RequestId }): Promise<Response> {
    const params = ((message as { params?: Record<string, unknown> }).params ?? {}) as Record<string, unknown>;
    const principal = principalOf(ex.authInfo);
    const protocolVersion = negotiatedVersion(params.protocolVersion);
    let session: SessionRecord;
    try {
      session = await sessions.create({
        id: newSessionId(),
        subject: principal.subject,
        clientId: principal.clientId,
        protocolVersion,
        clientCapabilities: (params.capabilities as Record<string, unknown>) ?? {},
        clientInfo: params.clientInfo as Record<string, unknown> | undefined,
      });
    } catch (err) {
      return unavailable(err);
    }
    const opened = await openSessionServer({
      factory: deps.factory,
      authInfo: ex.authInfo,
      request: ex.request,
      sessionId: session.id,
      handshake: undefined,
      fallback: () => {},
    });
    let reply: JSONRPCMessage | undefined;
    await opened.transport.request(message, opened.extra, (m) => {
      if (isResponse(m)) reply = m;
    });
    await opened.close();
    return new Response(JSON.stringify(reply), {
      status: 200,
      headers: { 'content-type': 'application/json', 'mcp-session-id': session.id },
    });
  }

  async function post(ex: Exchange, ctx: InvocationContext): Promise<Response> {
    const list = messagesOf(ex.parsedBody) as JSONRPCMessage[];
    const init = list.find((m) => isRequest(m) && m.method === 'initialize');
    if (init) {
      if (list.length > 1) {
        return rpcErrorResponse(400, INVALID_REQUEST, 'Invalid Request: initialize must not be part of a batch');
      }
      return initialize(ex, init as JSONRPCMessage & { id: RequestId });
    }
    const accept = ex.request.headers.get('accept') ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return rpcErrorResponse(
        406,
        INVALID_REQUEST,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    let session: SessionRecord | Response;
    try {
      session = await loadSession(ex.request, ex.authInfo);
      if (session instanceof Response) return session;
      await sessions.touch(session.id);
    } catch (err) {
      return unavailable(err);
    }
    const s = session;
    const requests = list.filter(isRequest);
    const replies = list.filter(isResponse);
    // Replies to server->client requests go to whichever instance holds the waiting request.
    for (const r of replies) await messages.publish(repliesChannel(s.id), r).catch(() => {});
    const notifications = list.filter((m) => !('id' in m));

    const opened = await openSessionServer({
      factory: deps.factory,
      authInfo: ex.authInfo,
      // 2025 semantics: a client that drops the stream has not cancelled (it sends notifications/cancelled
      // for that); the work goes on and stays resumable, so tools see only the deadline, not the disconnect.
      request: detachedRequest(ex.request, ctx.deadline),
      sessionId: s.id,
      handshake: { protocolVersion: s.protocolVersion, capabilities: s.clientCapabilities, clientInfo: s.clientInfo },
      fallback: async (m) => {
        await record(s.id, STANDALONE_STREAM, m);
      },
    });
    for (const n of notifications) opened.transport.deliver(n, opened.extra);
    if (requests.length === 0) {
      ctx.waitUntil(opened.close());
      return new Response(null, { status: 202 });
    }

    const streamKey = `post-${crypto.randomUUID()}`;
    const body = sseBody();
    const stopReplies = new AbortController();
    if (supportsPriming(s.protocolVersion)) {
      body.write(sseFrame({ id: eventIdFor(s.id, streamKey, 0), data: '', retryMs: RETRY_MS }));
    }
    const emit = async (m: JSONRPCMessage) => {
      const id = await record(s.id, streamKey, m);
      body.write(sseFrame({ id, event: 'message', data: JSON.stringify(m) }));
    };
    // The client's answers to server->client requests (sampling, elicitation) may arrive anywhere.
    const pump = pumpReplies(messages, repliesChannel(s.id), opened.transport, opened.extra, stopReplies.signal);
    const work = (async () => {
      await Promise.all(requests.map((r) => opened.transport.request(r, opened.extra, emit)));
      // A client resuming this stream elsewhere learns that it is complete.
      await record(s.id, streamKey, END_OF_STREAM as unknown as JSONRPCMessage);
      stopReplies.abort();
      await pump;
      await opened.close();
      body.close();
    })();
    // A client that goes away does not cancel the work (2025 semantics): the remaining events are
    // still recorded and can be resumed with Last-Event-ID, so the invocation lives until it is done.
    ctx.waitUntil(work);
    return new Response(body.stream, { status: 200, headers: { ...SSE_HEADERS, 'mcp-session-id': s.id } });
  }

  async function get(ex: Exchange, ctx: InvocationContext): Promise<Response> {
    if (!(ex.request.headers.get('accept') ?? '').includes('text/event-stream')) {
      return rpcErrorResponse(406, INVALID_REQUEST, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (cfg.responseMode === 'buffered') {
      return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } });
    }
    let session: SessionRecord | Response;
    let cursor: string;
    try {
      session = await loadSession(ex.request, ex.authInfo);
      if (session instanceof Response) return session;
      await sessions.touch(session.id);
      const last = ex.request.headers.get('last-event-id');
      if (last !== null) {
        const parsed = parseEventId(last);
        if (!parsed || parsed.sessionId !== session.id) {
          return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: Last-Event-ID does not belong to this session');
        }
        cursor = last;
      } else cursor = await events.head(session.id, STANDALONE_STREAM);
    } catch (err) {
      return unavailable(err);
    }
    const body = sseBody();
    if (supportsPriming(session.protocolVersion)) body.write(sseFrame({ id: cursor, data: '', retryMs: RETRY_MS }));
    const id = session.id;
    const alive = async () => (await sessions.get(id)) !== undefined;
    ctx.waitUntil(tailStream({ events, body, cursor, ctx, cfg, alive }));
    return new Response(body.stream, { status: 200, headers: { ...SSE_HEADERS, 'mcp-session-id': session.id } });
  }

  async function del(ex: Exchange): Promise<Response> {
    try {
      const session = await loadSession(ex.request, ex.authInfo);
      if (session instanceof Response) return session;
      await sessions.delete(session.id);
    } catch (err) {
      return unavailable(err);
    }
    return new Response(null, { status: 200 });
  }

  return async (
    request: Request,
    opts: { authInfo: AuthInfo; parsedBody?: unknown },
    ctx: InvocationContext,
  ): Promise<Response> => {
    const ex = { request, authInfo: opts.authInfo, parsedBody: opts.parsedBody };
    try {
      switch (request.method) {
        case 'POST':
          return await post(ex, ctx);
        case 'GET':
          return await get(ex, ctx);
        case 'DELETE':
          return await del(ex);
        default:
          return new Response(null, { status: 405, headers: { allow: 'GET, POST, DELETE' } });
      }
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(err);
      throw err;
    }
  };
}
