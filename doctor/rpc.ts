// A minimal 2025-era Streamable HTTP client on plain fetch + eventsource-parser, so the doctor can time
// every SSE event as it arrives (an SDK client hides arrival times behind its own buffering).
//
//   openSession(url, opts): Promise<RpcSession>     initialize + notifications/initialized
//   session.call(method, params, onEvent?): Promise<RpcExchange>
//   session.close(): Promise<void>                  DELETE the session when the server issued one
//   postRpc(url, body, headers, timeoutMs, onEvent?): Promise<RpcExchange>   one POST, JSON or SSE answer
//
// Timings are performance.now() values taken when the parser yields each event, i.e. when its bytes reached
// this process. The bearer token goes only into the Authorization header of requests to `url`.
import { createParser } from 'eventsource-parser';

export const CLIENT_PROTOCOL_VERSION = '2025-11-25';

export interface TimedMessage {
  at: number;
  message: Record<string, unknown>;
}

export interface RpcExchange {
  status: number;
  headers: Headers;
  contentType: string;
  /** Every JSON-RPC message received on this POST's answer, in order, with its arrival time. */
  messages: TimedMessage[];
  /** The response to our request id, when it came. */
  response?: Record<string, unknown>;
  /** Raw body when the answer was not JSON-RPC (errors, HTML from a proxy). */
  text?: string;
  sentAt: number;
  endedAt: number;
}

export interface SessionOptions {
  token?: string;
  timeoutMs: number;
  clientName?: string;
}

export interface RpcSession {
  sessionId: string | undefined;
  protocolVersion: string;
  initialize: RpcExchange;
  call(method: string, params: unknown, onEvent?: (m: TimedMessage) => void): Promise<RpcExchange>;
  close(): Promise<void>;
}

export async function postRpc(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
  timeoutMs: number,
  onEvent?: (m: TimedMessage) => void,
): Promise<RpcExchange> {
  const sentAt = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const contentType = res.headers.get('content-type') ?? '';
  const messages: TimedMessage[] = [];
  const push = (value: unknown) => {
    const list = Array.isArray(value) ? value : [value];
    for (const m of list) {
      if (!m || typeof m !== 'object') continue;
      const timed = { at: performance.now(), message: m as Record<string, unknown> };
      messages.push(timed);
      onEvent?.(timed);
    }
  };
  const exchange: RpcExchange = { status: res.status, headers: res.headers, contentType, messages, sentAt, endedAt: 0 };
  if (/^text\/event-stream/i.test(contentType) && res.body) {
    const parser = createParser({
      onEvent(event) {
        if (!event.data) return; // priming event: an id with empty data
        try {
          push(JSON.parse(event.data));
        } catch {
          // not JSON-RPC; ignored
        }
      },
    });
    const decoder = new TextDecoder();
    const id = body.id;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      // Stop once our response came: a 2025 server may keep the stream open for other traffic.
      if (id !== undefined && messages.some((m) => m.message.id === id && !('method' in m.message))) break;
    }
  } else {
    const text = await res.text();
    if (/json/i.test(contentType) && text) {
      try {
        push(JSON.parse(text));
      } catch {
        exchange.text = text;
      }
    } else if (text) exchange.text = text;
  }
  exchange.endedAt = performance.now();
  const response = messages.find((m) => m.message.id === body.id && !('method' in m.message));
  if (response) exchange.response = response.message;
  return exchange;
}

export async function openSession(url: string, opts: SessionOptions): Promise<RpcSession> {
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  let nextId = 1;
  const initialize = await postRpc(
    url,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'initialize',
      params: {
        protocolVersion: CLIENT_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: opts.clientName ?? 'mcp-lambda-stack-doctor', version: '1.0.0' },
      },
    },
    auth,
    opts.timeoutMs,
  );
  const sessionId = initialize.headers.get('mcp-session-id') ?? undefined;
  const result = initialize.response?.result as { protocolVersion?: string } | undefined;
  const protocolVersion = result?.protocolVersion ?? CLIENT_PROTOCOL_VERSION;
  const headers = (): Record<string, string> => ({
    ...auth,
    'mcp-protocol-version': protocolVersion,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
  });
  if (initialize.response?.result) {
    await postRpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers(), opts.timeoutMs);
  }
  return {
    sessionId,
    protocolVersion,
    initialize,
    call: (method, params, onEvent) =>
      postRpc(url, { jsonrpc: '2.0', id: nextId++, method, params }, headers(), opts.timeoutMs, onEvent),
    async close() {
      if (!sessionId) return;
      await fetch(url, { method: 'DELETE', headers: headers(), signal: AbortSignal.timeout(opts.timeoutMs) })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    },
  };
}
