// Where lib/mcp lets the SDK build errors without capturing stacks (issue #18): each window covers SDK code
// whose errors nobody sees, and no code of ours or of a tool author; docs/sdk-upstream.md has the figures.
// The classification window is endpoint.ts's classifiesQuietly; closing answered servers is here.
//
// The SDK's Protocol._onclose builds an SdkError(ConnectionClosed) on every close, synchronously inside
// transport.close(), and hands it to whatever is still pending: outbound requests (their response
// handlers) and the abort controllers of inbound requests. A fresh server per request (CVE-2026-25536)
// is closed after every answer, so every request paid for an Error with a captured stack trace (~80 % of
// its cost). When nothing is pending but requests whose answers already went out, the error only becomes
// the abort reason of those finished calls: its frames (SDK close internals) tell nobody anything, so it
// is built with Error.stackTraceLimit = 0. Anything else pending (an outbound request awaiting the client,
// a request not yet answered) gets the full stack as before; so does any close when the SDK's private
// fields this looks at are not there (an SDK update fails safe).
import type { RequestId } from '@modelcontextprotocol/server';

/**
 * Runs `fn` with `Error.stackTraceLimit` at 0, so errors made synchronously inside carry no frames; the
 * previous limit is restored afterwards, also when `fn` throws.
 */
export function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The SDK Protocol's pending work (private fields of @modelcontextprotocol/server 2.x, read only). */
interface PendingWork {
  _responseHandlers?: unknown;
  _requestHandlerAbortControllers?: unknown;
}

/**
 * Pure predicate: closing `protocol` now can hand its SdkError to nothing but the abort signals of
 * requests in `answered` (no outbound request is waiting, every inbound request still tracked was answered).
 */
export function onlyAnsweredPending(protocol: object, answered: ReadonlySet<RequestId>): boolean {
  const { _responseHandlers: responses, _requestHandlerAbortControllers: requests } = protocol as PendingWork;
  if (!(responses instanceof Map) || !(requests instanceof Map) || responses.size > 0) return false;
  for (const id of requests.keys()) if (!answered.has(id)) return false;
  return true;
}

/** Pure: the id of a JSON-RPC response (result or error) `message` is, else undefined. */
export function answeredId(message: unknown): RequestId | undefined {
  if (typeof message !== 'object' || message === null || 'method' in message) return undefined;
  if (!('result' in message) && !('error' in message)) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
