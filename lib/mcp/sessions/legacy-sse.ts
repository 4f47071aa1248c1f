// The legacy HTTP+SSE transport (protocol 2024-11-05) over the shared store.
//
// GET /sse opens the stream: an `endpoint` event naming /messages/?sessionId=<id>, then every message
// the session's server sends. POST /messages/ answers 202 at once and processes the message after
// the response, on whatever instance it landed on; replies travel through the store's event log to
// the instance holding the stream. The SDK's frozen SSE transport cannot do this: it needs the POST
// and the stream in one process, which Lambda never guarantees. The client's initialize is recorded
// in the session record, so any instance can replay it.

import type { AuthInfo, JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { insufficientScope } from '../../auth/index.ts';
import type { Config } from '../../config.ts';
import { readJsonBody } from '../../gate/index.ts';
import { eventIdFor, newSessionId, parseEventId, type SessionRecord } from '../../store/index.ts';
import { log } from '../../telemetry/index.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { auditRpc } from '../audit-hooks.ts';
import { noteCalledTool } from '../called-tool.ts';
import { INVALID_REQUEST, messagesOf, rpcErrorResponse } from '../jsonrpc.ts';
import { stepUpScopes } from '../policy-hook.ts';
import { principalOf } from '../server.ts';
import { detachedRequest } from './detached.ts';
import { isRequest, isResponse, openSessionServer } from './exchange.ts';
import {
  handshakeOf,
  negotiatedVersion,
  owned,
  recordingLogLevel,
  refuseInvalid,
  repliesChannel,
  type SessionfulDeps,
  sessionNotFound,
  storeFailure,
  type WorkBound,
  workBound,
} from './shared.ts';
import { SSE_HEADERS, sseBody, sseFrame } from './sse.ts';
import { tailStream } from './tail.ts';

const SSE_STREAM = 'sse';
const LEGACY_VERSION = '2024-11-05';

/** Pure: the path a client POSTs to, relative to the SSE URL's origin. */
function endpointFor(sessionId: string): string {
  return `/messages/?sessionId=${encodeURIComponent(sessionId)}`;
}

/** The handler of GET /sse and POST /messages/, after the gate. Store outages give 503. */
export function createLegacySseHandler(cfg: Config, deps: SessionfulDeps) {
  const { sessions, events, messages } = deps.stores;

  async function open(request: Request, authInfo: AuthInfo, ctx: InvocationContext): Promise<Response> {
    auditRpc(request, 'legacy-sse', undefined);
    let session: SessionRecord | undefined;
    let cursor: string;
    const last = request.headers.get('last-event-id');
    if (last !== null) {
      // An EventSource reconnecting (e.g. after the stream's maximum duration) resumes its session.
      const parsed = parseEventId(last);
      session =
        parsed && parsed.streamKey === SSE_STREAM ? await owned(sessions, parsed.sessionId, authInfo) : undefined;
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
        initialized: false,
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

  async function process(
    session: SessionRecord,
    list: JSONRPCMessage[],
    authInfo: AuthInfo,
    bound: WorkBound,
    request: Request,
  ) {
    const append = async (m: JSONRPCMessage) => {
      await events.append(session.id, SSE_STREAM, m);
    };
    for (const r of list.filter(isResponse)) await messages.publish(repliesChannel(session.id), r);
    const init = list.find((m) => isRequest(m) && m.method === 'initialize') as
      | (JSONRPCMessage & { params?: { protocolVersion?: unknown; capabilities?: unknown; clientInfo?: unknown } })
      | undefined;
    if (init?.params) {
      const { protocolVersion, capabilities, clientInfo } = init.params;
      await sessions.update(session.id, {
        protocolVersion: negotiatedVersion(protocolVersion),
        clientCapabilities: (capabilities ?? {}) as Record<string, unknown>,
        clientInfo: clientInfo as Record<string, unknown> | undefined,
        initialized: true,
      });
    }
    const detached = detachedRequest(request, bound.signal);
    // One message (the replayed handshake needs no tool): a tools/call's server registers the called tool only.
    if (list.length === 1) noteCalledTool(detached, list[0]);
    const opened = await openSessionServer({
      factory: deps.factory,
      authInfo,
      request: detached,
      sessionId: session.id,
      handshake: init ? undefined : handshakeOf(session),
      fallback: append,
      replies: { messages, channel: repliesChannel(session.id) },
      signal: bound.signal,
    });
    try {
      for (const n of list.filter((m) => !('id' in m))) opened.transport.deliver(n, opened.extra);
      const requests = list.filter(isRequest) as Array<JSONRPCMessage & { id: RequestId }>;
      const sink = recordingLogLevel(sessions, session.id, requests, append);
      await Promise.all(requests.map((r) => opened.transport.request(r, opened.extra, sink, bound.signal)));
    } finally {
      await opened.close();
    }
  }

  async function post(request: Request, authInfo: AuthInfo, ctx: InvocationContext): Promise<Response> {
    const id = new URL(request.url).searchParams.get('sessionId');
    if (!id) return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: the sessionId query parameter is required');
    const session = await owned(sessions, id, authInfo);
    if (!session) return sessionNotFound();
    const read = await readJsonBody(request, cfg.maxBodyBytes, undefined, ctx.bodyText);
    if (!read.ok) return read.response;
    auditRpc(request, 'legacy-sse', read.body);
    // An invalid message is refused here, at once, as the reference SSE transport does (400, not 202):
    // nothing is processed, so nothing is left waiting for a reply that never comes.
    const invalid = refuseInvalid(read.body);
    if (invalid) return invalid;
    const stepUp = deps.policy
      ? await stepUpScopes(deps.policy.gate, deps.policy.tools, read.body, authInfo, 'legacy', request)
      : [];
    if (stepUp.length) return insufficientScope(cfg, stepUp);
    const list = messagesOf(read.body) as JSONRPCMessage[];
    await sessions.touch(session.id);
    const bound = workBound(ctx);
    ctx.waitUntil(
      process(session, list, authInfo, bound, request)
        .catch((err) => log.error('legacy SSE message failed', { error: err }))
        .finally(bound.release),
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
      return storeFailure(err);
    }
  };
}
