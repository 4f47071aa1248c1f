// The legacy HTTP+SSE transport (protocol 2024-11-05) over the shared store.
//
// GET /sse opens the stream: an `endpoint` event naming /messages/?sessionId=<id>, then every message
// the session's server sends. POST /messages/ answers 202 at once and processes the message after
// the response, on whatever instance it landed on; replies travel through the store's event log to
// the instance holding the stream. The SDK's frozen SSE transport cannot do this: it needs the POST
// and the stream in one process, which Lambda never guarantees.
import type { AuthInfo, JSONRPCMessage, McpServerFactory, RequestId } from '@modelcontextprotocol/server';
import type { Config } from '../config.ts';
import { readJsonBody } from '../gate/index.ts';
import type { SessionRecord, Stores } from '../store/index.ts';
import { eventIdFor, newSessionId, parseEventId, StoreUnavailableError } from '../store/index.ts';
import type { InvocationContext } from '../web-handler.ts';
import { auditRpc } from './audit-hooks.ts';
import { detachedRequest } from './detached.ts';
import { type Handshake, isRequest, isResponse, openSessionServer, pumpReplies } from './exchange.ts';
import { INVALID_REQUEST, messagesOf, rpcErrorResponse } from './jsonrpc.ts';
import { principalOf } from './server.ts';
import { repliesChannel, sessionNotFound, unavailable } from './sessions.ts';
import { SSE_HEADERS, sseBody, sseFrame } from './sse.ts';
import { tailStream } from './tail.ts';

export const SSE_STREAM = 'sse';
const LEGACY_VERSION = '2024-11-05';
const handshakeChannel = (sessionId: string) => `handshake:${sessionId}`;

/** Pure: the path a client POSTs to, relative to the SSE URL's origin. */
export function endpointFor(sessionId: string): string {
  return `/messages/?sessionId=${encodeURIComponent(sessionId)}`;
}

export function createLegacySseHandler(cfg: Config, deps: { factory: McpServerFactory; stores: Stores }) {
  const { sessions, events, messages } = deps.stores;

  async function owned(id: string | null, authInfo: AuthInfo): Promise<SessionRecord | undefined> {
    if (!id) return undefined;
    const record = await sessions.get(id);
    return record && record.subject === principalOf(authInfo).subject ? record : undefined;
  }

  async function open(request: Request, authInfo: AuthInfo, ctx: InvocationContext): Promise<Response> {
    auditRpc(request, 'legacy-sse', undefined);
    let session: SessionRecord | undefined;
    let cursor: string;
    const last = request.headers.get('last-event-id');
    if (last !== null) {
      // An EventSource reconnecting (e.g. after the stream's maximum duration) resumes its session.
      const parsed = parseEventId(last);
      session = parsed && parsed.streamKey === SSE_STREAM ? await owned(parsed.sessionId, authInfo) : undefined;
      if (!session) return sessionNotFound();
      await sessions.touch(session.id);
      cursor = last;
    } else {
      const principal = principalOf(authInfo);
      session = await sessions.create({
        id: newSessionId(),
        subject: principal.subject,
        clientId: principal.clientId,
        protocolVersion: LEGACY_VERSION,
        clientCapabilities: {},
        clientInfo: undefined,
      });
      cursor = eventIdFor(session.id, SSE_STREAM, 0);
    }
    const body = sseBody();
    body.write(sseFrame({ event: 'endpoint', data: endpointFor(session.id) }));
    const id = session.id;
    const alive = async () => (await sessions.get(id)) !== undefined;
    ctx.waitUntil(tailStream({ events, body, cursor, ctx, cfg, alive }));
    return new Response(body.stream, { status: 200, headers: SSE_HEADERS });
  }

  async function handshakeOf(sessionId: string): Promise<Handshake | undefined> {
    const got = await messages.poll(handshakeChannel(sessionId), 0);
    return got.messages[0]?.data as Handshake | undefined;
  }

  async function process(session: SessionRecord, list: JSONRPCMessage[], authInfo: AuthInfo, request: Request) {
    const append = async (m: JSONRPCMessage) => {
      await events.append(session.id, SSE_STREAM, m);
    };
    for (const r of list.filter(isResponse)) await messages.publish(repliesChannel(session.id), r);
    const init = list.find((m) => isRequest(m) && m.method === 'initialize') as
      | (JSONRPCMessage & { params?: Handshake })
      | undefined;
    if (init?.params) {
      const { protocolVersion, capabilities, clientInfo } = init.params;
      await messages.publish(handshakeChannel(session.id), { protocolVersion, capabilities, clientInfo });
    }
    const opened = await openSessionServer({
      factory: deps.factory,
      authInfo,
      request,
      sessionId: session.id,
      handshake: init ? undefined : await handshakeOf(session.id),
      fallback: append,
    });
    for (const n of list.filter((m) => !('id' in m))) opened.transport.deliver(n, opened.extra);
    const requests = list.filter(isRequest);
    if (requests.length) {
      const stop = new AbortController();
      const pump = pumpReplies(messages, repliesChannel(session.id), opened.transport, opened.extra, stop.signal);
      await Promise.all(
        requests.map((r) => opened.transport.request(r as JSONRPCMessage & { id: RequestId }, opened.extra, append)),
      );
      stop.abort();
      await pump;
    }
    await opened.close();
  }

  async function post(request: Request, authInfo: AuthInfo, ctx: InvocationContext): Promise<Response> {
    const id = new URL(request.url).searchParams.get('sessionId');
    if (!id) return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: the sessionId query parameter is required');
    const session = await owned(id, authInfo);
    if (!session) return sessionNotFound();
    const read = await readJsonBody(request, cfg.maxBodyBytes);
    if (!read.ok) return read.response;
    auditRpc(request, 'legacy-sse', read.body);
    const list = messagesOf(read.body) as JSONRPCMessage[];
    if (list.length === 0)
      return rpcErrorResponse(400, INVALID_REQUEST, 'Invalid Request: expected a JSON-RPC message');
    await sessions.touch(session.id);
    ctx.waitUntil(
      process(session, list, authInfo, detachedRequest(request, ctx.deadline)).catch((err) =>
        console.error(JSON.stringify({ level: 'ERROR', message: 'legacy SSE message failed', error: String(err) })),
      ),
    );
    return new Response('Accepted', { status: 202, headers: { 'content-type': 'text/plain' } });
  }

  return async (request: Request, authInfo: AuthInfo, ctx: InvocationContext): Promise<Response> => {
    const path = new URL(request.url).pathname;
    try {
      if (request.method === 'GET' && path === '/sse') {
        if (cfg.responseMode === 'buffered') return new Response(null, { status: 405, headers: { allow: 'POST' } });
        return await open(request, authInfo, ctx);
      }
      if (request.method === 'POST' && (path === '/messages' || path === '/messages/')) {
        return await post(request, authInfo, ctx);
      }
      return rpcErrorResponse(404, INVALID_REQUEST, `Not found: ${request.method} ${path}`);
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(err);
      throw err;
    }
  };
}
