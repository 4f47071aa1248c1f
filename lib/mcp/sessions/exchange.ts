// Serving one HTTP exchange of a stored session with a fresh SDK server.
//
// Design choice (see the README, "Sessions across Lambda instances"): we do NOT restore private state
// of the SDK's WebStandardStreamableHTTPServerTransport. Instead each request gets a fresh McpServer
// connected to ExchangeTransport, a small transport of our own on the SDK's public `Transport`
// interface, and the server is brought to the session's state by replaying the recorded `initialize`
// handshake through the public protocol path (its reply is swallowed). Everything the server sends
// is routed by `relatedRequestId`: into the HTTP response of the request it belongs to, or, when it
// belongs to no request of this exchange, to a fallback (the session's standalone stream in the
// shared store). No instance keeps session state between requests.

import type {
  AuthInfo,
  JSONRPCMessage,
  McpServerFactory,
  RequestId,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';
import { type Following, followChannel, type MessageStore } from '../../store/index.ts';
import { log } from '../../telemetry/index.ts';
import { auditCancelled, auditExpired } from '../audit-hooks.ts';
import { INTERNAL_ERROR } from '../jsonrpc.ts';

export interface Handshake {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
  /** The session's `logging/setLevel`, replayed after the initialize (the SDK keeps it per server). */
  logLevel?: string | undefined;
}

type Sink = (message: JSONRPCMessage) => void | Promise<void>;
type Extra = { authInfo?: AuthInfo; request?: Request };

const key = (id: RequestId) => JSON.stringify(id);

/** Pure predicate: a JSON-RPC response (result or error) rather than a request or notification. */
export function isResponse(m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } {
  return 'id' in m && !('method' in m);
}

/** Pure predicate: a JSON-RPC request (it has an id and a method). */
export function isRequest(m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId; method: string } {
  return 'id' in m && 'method' in m;
}

/** The request id a `notifications/cancelled` names, if the message is one. Pure. */
export function cancelledId(m: JSONRPCMessage): RequestId | undefined {
  if (!('method' in m) || m.method !== 'notifications/cancelled' || 'id' in m) return undefined;
  const id = (m.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The SDK Transport of one exchange: routes what the server sends to the request it belongs to. */
export class ExchangeTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  /** Awaited before the server's first request to the client goes out (the reply pump starts there). */
  beforeServerRequest?: () => Promise<void>;
  /** Told the id of a request that its bound cut off before the server answered it. */
  onExpired?: (id: RequestId) => void;
  /** Told the id of a request the client cancelled (it gets no response). */
  onCancelled?: (id: RequestId) => void;
  private readonly routes = new Map<string, { sink: Sink; done: () => void }>();
  private readonly fallback: Sink;

  constructor(sessionId: string | undefined, fallback: Sink) {
    this.sessionId = sessionId;
    this.fallback = fallback;
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const related = isResponse(message) ? message.id : options?.relatedRequestId;
    let route = related === undefined ? undefined : this.routes.get(key(related));
    // The SDK sends elicitation and sampling requests without a relatedRequestId. A server of ours only
    // ever serves this exchange, so such a request comes from one of its open requests: send it on that
    // request's stream, where the client is listening, rather than on a GET stream it may not have opened.
    if (!route && related === undefined && isRequest(message)) route = [...this.routes.values()].at(-1);
    if (isRequest(message)) await this.beforeServerRequest?.();
    if (!route) {
      await this.fallback(message);
      return;
    }
    try {
      await route.sink(message);
    } finally {
      // Even when the sink failed (the store is down), the request is over: its waiter must not hang.
      if (isResponse(message)) {
        this.routes.delete(key(message.id));
        route.done();
      }
    }
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /**
   * Delivers a client request; everything the server sends for it goes to `sink`. Resolves once its
   * response has been through the sink, or once `signal` aborts: then the request is answered here with
   * a JSON-RPC error, so the client's stream and the audit both see it end.
   */
  request(message: JSONRPCMessage & { id: RequestId }, extra: Extra, sink: Sink, signal?: AbortSignal) {
    const k = key(message.id);
    return new Promise<void>((resolve) => {
      const expire = () => {
        if (this.routes.get(k) !== route) return;
        this.onExpired?.(message.id);
        const answer = {
          jsonrpc: '2.0',
          id: message.id,
          error: { code: INTERNAL_ERROR, message: 'Request timed out' },
        };
        this.send(answer as JSONRPCMessage).catch(() => route.done()); // send already settles the route
      };
      const route = {
        sink,
        done: () => {
          signal?.removeEventListener('abort', expire);
          resolve();
        },
      };
      this.routes.set(k, route);
      if (signal?.aborted) return expire();
      signal?.addEventListener('abort', expire, { once: true });
      this.onmessage?.(message, extra);
    });
  }

  /**
   * Delivers a notification or a client's response to a server request. A `notifications/cancelled` reaches the
   * server only for a request this exchange is serving: the spec has a cancel for an unknown (not yet or no longer
   * running) request ignored, and the SDK dispatches notifications a tick after requests, so a cancel that came
   * first in a batch would otherwise abort a request that came after it. The SDK sends no response to a request
   * it cancelled, so that request's waiter ends here.
   */
  deliver(message: JSONRPCMessage, extra: Extra): void {
    const cancelled = cancelledId(message);
    if (cancelled === undefined) {
      this.onmessage?.(message, extra);
      return;
    }
    const k = key(cancelled);
    const route = this.routes.get(k);
    if (!route) return;
    this.onmessage?.(message, extra);
    this.routes.delete(k);
    this.onCancelled?.(cancelled);
    route.done();
  }
}

const REPLAY_ID = '__mcp_lambda_stack_replay__';
const REPLAY_LEVEL_ID = '__mcp_lambda_stack_replay_level__';

export interface OpenedExchange {
  transport: ExchangeTransport;
  extra: Extra;
  /** Stops the reply pump (if it started) and closes the server. Never rejects. */
  close(): Promise<void>;
}

/**
 * A fresh server for one exchange of a session. With a handshake, the recorded initialize is
 * replayed first so the server knows the client's capabilities and the negotiated version. With
 * `replies`, the client's answers to server requests are read from that channel, from the moment the
 * server first sends a request (most exchanges never do, and then never read the channel).
 */
export async function openSessionServer(opts: {
  factory: McpServerFactory;
  authInfo: AuthInfo;
  request: Request;
  sessionId: string | undefined;
  handshake: Handshake | undefined;
  fallback: Sink;
  replies?: { messages: MessageStore; channel: string };
  /** Bounds the handshake replay (the exchange's own requests get it from their caller). */
  signal?: AbortSignal;
}): Promise<OpenedExchange> {
  const server = await opts.factory({ era: 'legacy', authInfo: opts.authInfo, requestInfo: opts.request });
  const transport = new ExchangeTransport(opts.sessionId, opts.fallback);
  await server.connect(transport);
  const extra = { authInfo: opts.authInfo, request: opts.request };
  transport.onExpired = (id) => auditExpired(opts.request, id);
  transport.onCancelled = (id) => auditCancelled(opts.request, id);
  // Made with the pump: most exchanges never start one, and aborting an unused controller builds a DOMException.
  let stop: AbortController | undefined;
  let pump: Following | undefined;
  const replies = opts.replies;
  if (replies) {
    transport.beforeServerRequest = async () => {
      stop ??= new AbortController();
      pump ??= followChannel(replies.messages, replies.channel, (m) => transport.deliver(m as JSONRPCMessage, extra), {
        signal: stop.signal,
        onError: (err) => log.warn('reply channel read failed', { error: err }),
      });
      await pump.ready;
    };
  }
  if (opts.handshake) {
    const { logLevel, ...initialize } = opts.handshake;
    await transport.request(
      { jsonrpc: '2.0', id: REPLAY_ID, method: 'initialize', params: initialize } as JSONRPCMessage & {
        id: RequestId;
      },
      extra,
      () => {},
      opts.signal,
    );
    transport.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' }, extra);
    if (logLevel !== undefined) {
      const setLevel = { jsonrpc: '2.0', id: REPLAY_LEVEL_ID, method: 'logging/setLevel', params: { level: logLevel } };
      await transport.request(setLevel as JSONRPCMessage & { id: RequestId }, extra, () => {}, opts.signal);
    }
  }
  return {
    transport,
    extra,
    async close() {
      stop?.abort();
      await pump?.done;
      // Closing a per-exchange server only releases it; a failure there changes nothing for the client.
      await server.close().catch(() => {});
    },
  };
}
