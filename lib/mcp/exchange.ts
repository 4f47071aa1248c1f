// Serving one HTTP exchange of a stored session with a fresh SDK server.
//
// Design choice (DESIGN.md section 3, "sessions across instances"): we do NOT restore private state
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
import type { MessageStore } from '../store/index.ts';

export interface Handshake {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
}

type Sink = (message: JSONRPCMessage) => void | Promise<void>;

const key = (id: RequestId) => JSON.stringify(id);

/** Pure predicate: a JSON-RPC response (result or error) rather than a request or notification. */
export function isResponse(m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } {
  return 'id' in m && !('method' in m);
}

export function isRequest(m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId; method: string } {
  return 'id' in m && 'method' in m;
}

export class ExchangeTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private readonly routes = new Map<string, { sink: Sink; done: () => void }>();
  private readonly fallback: Sink;
  /** Ids of server->client requests sent in this exchange, so replies can be routed back. */
  readonly outgoingRequests = new Set<string>();

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
    if (isRequest(message)) this.outgoingRequests.add(key(message.id));
    if (!route) {
      await this.fallback(message);
      return;
    }
    await route.sink(message);
    if (isResponse(message)) {
      this.routes.delete(key(message.id));
      route.done();
    }
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /**
   * Delivers a client request; everything the server sends for it goes to `sink`.
   * Resolves once its response has been through the sink.
   */
  request(message: JSONRPCMessage & { id: RequestId }, extra: { authInfo?: AuthInfo; request?: Request }, sink: Sink) {
    return new Promise<void>((resolve) => {
      this.routes.set(key(message.id), { sink, done: resolve });
      this.onmessage?.(message, extra);
    });
  }

  /** Delivers a notification or a client's response to a server request. */
  deliver(message: JSONRPCMessage, extra: { authInfo?: AuthInfo; request?: Request }): void {
    this.onmessage?.(message, extra);
  }
}

const REPLAY_ID = '__mcp_lambda_stack_replay__';

/**
 * A fresh server for one exchange of a session. With a handshake, the recorded initialize is
 * replayed first so the server knows the client's capabilities and the negotiated version.
 */
export async function openSessionServer(opts: {
  factory: McpServerFactory;
  authInfo: AuthInfo;
  request: Request;
  sessionId: string | undefined;
  handshake: Handshake | undefined;
  fallback: Sink;
}) {
  const server = await opts.factory({ era: 'legacy', authInfo: opts.authInfo, requestInfo: opts.request });
  const transport = new ExchangeTransport(opts.sessionId, opts.fallback);
  await server.connect(transport);
  const extra = { authInfo: opts.authInfo, request: opts.request };
  if (opts.handshake) {
    await transport.request(
      { jsonrpc: '2.0', id: REPLAY_ID, method: 'initialize', params: { ...opts.handshake } } as JSONRPCMessage & {
        id: RequestId;
      },
      extra,
      () => {},
    );
    transport.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' }, extra);
  }
  return {
    transport,
    extra,
    async close() {
      await server.close().catch(() => {});
    },
  };
}

/**
 * Feeds a client's replies to server->client requests (published by whichever instance received the
 * POST) into this exchange's transport until `signal` aborts.
 */
export async function pumpReplies(
  messages: MessageStore,
  channel: string,
  transport: ExchangeTransport,
  extra: { authInfo?: AuthInfo; request?: Request },
  signal: AbortSignal,
): Promise<void> {
  let cursor = await messages.head(channel).catch(() => 0);
  while (!signal.aborted) {
    const got = await messages.waitFor(channel, cursor, { signal, timeoutMs: 10_000 }).catch(() => undefined);
    if (!got) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    cursor = got.cursor;
    for (const m of got.messages) transport.deliver(m.data as JSONRPCMessage, extra);
  }
}
