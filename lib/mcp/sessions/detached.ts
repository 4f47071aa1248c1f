// A Request whose signal outlives the client's connection: for work that must go on after the client
// went away (2025 era: a disconnect is not a cancellation; legacy SSE: the POST was answered 202 at
// once). It aborts only with the work's own bound (workBound). The original Request stays reachable, so
// the audit span of the HTTP request still gets the outcomes.

const originals = new WeakMap<Request, Request>();

/** A copy of `request` (URL, method, headers) whose signal is `signal` instead of the client's connection. */
export function detachedRequest(request: Request, signal: AbortSignal): Request {
  const detached = new Request(request.url, { method: request.method, headers: request.headers, signal });
  originals.set(detached, originals.get(request) ?? request);
  return detached;
}

/** The Request the client sent, for a request made by detachedRequest (else the request itself). */
export function originalOf(request: Request): Request {
  return originals.get(request) ?? request;
}
