// Small JSON-RPC building blocks for answers the endpoint gives before the SDK sees a request.

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;
/** Not a JSON-RPC standard code: the server cannot reach a dependency (store) right now. */
export const SERVICE_UNAVAILABLE = -32001;

/** An HTTP answer whose body is a JSON-RPC error (id null unless given). */
export function rpcErrorResponse(
  status: number,
  code: number,
  message: string,
  init: { id?: string | number | null; headers?: HeadersInit } = {},
): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: init.id ?? null, error: { code, message } }), {
    status,
    headers,
  });
}

export interface RpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** A POST body may be one message or a batch; both become a list. */
export function messagesOf(body: unknown): RpcMessage[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is RpcMessage => typeof m === 'object' && m !== null);
}

/** Pure predicate: a `tools/call` request and the tool it names. */
export function toolCallName(message: RpcMessage): string | undefined {
  if (message.method !== 'tools/call') return undefined;
  const params = message.params as { name?: unknown } | undefined;
  return typeof params?.name === 'string' ? params.name : undefined;
}
