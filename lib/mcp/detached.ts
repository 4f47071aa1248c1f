// A Request whose signal outlives the client's connection: for work that must go on after the client
// went away (2025 era: a disconnect is not a cancellation; legacy SSE: the POST was answered 202 at
// once). It aborts only near the invocation deadline. The original Request stays reachable, so the
// audit span of the HTTP request still gets the tool outcomes.

/** Work stops this long before the invocation deadline. */
const WORK_MARGIN_MS = 1_000;

const originals = new WeakMap<Request, Request>();

export function detachedRequest(request: Request, deadline: number): Request {
  const left = Math.max(1, deadline - Date.now() - WORK_MARGIN_MS);
  const detached = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: AbortSignal.timeout(left),
  });
  originals.set(detached, originals.get(request) ?? request);
  return detached;
}

/** The Request the client sent, for a request made by detachedRequest (else the request itself). */
export function originalOf(request: Request): Request {
  return originals.get(request) ?? request;
}
