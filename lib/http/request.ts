// The web Request for an event, built so that it never throws. A Host or X-Forwarded-Proto that forms
// no URL origin (`a b`, `a@host`, `host:1,evil`), or a header value no Headers object can hold, would
// make `new Request` throw before any app code ran: a 500 with no audit record. Instead the Request is
// built without the bad part (a placeholder origin; the header left out) and the defect is reported
// (defectOf), so lambda.ts can put it in the InvocationContext and the gate, behind the audit wrapper,
// answers 400 naming it. The Headers keep the original Host, so the gate's own Host check sees it too.

/** The origin of a Request whose Host or X-Forwarded-Proto forms none (RFC 6761 reserves `.invalid`). */
export const PLACEHOLDER_ORIGIN = 'https://malformed.invalid';

const SCHEME = /^https?$/;
// What may follow "scheme://" as is: no userinfo (@), no path, query or fragment delimiter, no white
// space or percent sign. What the URL parser still refuses (a bad IPv6 literal, port > 65535) is
// caught when the Request is built.
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]]+$/;

export interface RequestParts {
  method: string;
  /** X-Forwarded-Proto as received (a list: the first item counts); https when absent. */
  proto: string | undefined;
  /** The Host header, else the event's domain name. */
  host: string | undefined;
  path: string;
  /** The query string without its `?`. */
  query: string;
  headers: Record<string, string> | Headers;
  body: string | Uint8Array<ArrayBuffer> | undefined;
  signal: AbortSignal | undefined;
}

/** An event's request line and headers as its processor reads them; the body only when a Request needs it. */
export interface EventParts extends Omit<RequestParts, 'headers' | 'body' | 'signal'> {
  /** Lower-case names, repeats comma-joined, no prototype. */
  headers: Record<string, string>;
  body(): RequestParts['body'];
}

const defects = new WeakMap<Request, string>();

/** What buildRequest had to leave out or replace for this Request (e.g. "Host header"), if anything. */
export function defectOf(request: Request): string | undefined {
  return defects.get(request);
}

/** The origin the Request's URL starts with, or the defect that replaces it with PLACEHOLDER_ORIGIN. */
export function originOf(proto: string | undefined, host: string | undefined): { origin: string; defect?: string } {
  const scheme = (proto?.split(',', 1)[0]?.trim() || 'https').toLowerCase();
  if (!SCHEME.test(scheme)) return { origin: PLACEHOLDER_ORIGIN, defect: 'X-Forwarded-Proto header' };
  const authority = host ?? 'localhost';
  if (!AUTHORITY.test(authority)) return { origin: PLACEHOLDER_ORIGIN, defect: 'Host header' };
  return { origin: `${scheme}://${authority}` };
}

function attempt(url: string, init: RequestInit): Request | undefined {
  try {
    return new Request(url, init);
  } catch {
    return undefined;
  }
}

/** Pure predicate: `url` parses and carries no credentials (Request refuses those). */
function usableUrl(url: string): boolean {
  const u = URL.parse(url);
  return u !== null && u.username === '' && u.password === '';
}

const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * Headers rebuilt one by one: a value with characters beyond Latin-1 becomes its UTF-8 bytes (what a
 * Node HTTP server shows for the same bytes); a name or value no Headers can hold is left out.
 */
function repairHeaders(source: Record<string, string> | Headers): { headers: Headers; dropped?: string } {
  const headers = new Headers();
  let dropped: string | undefined;
  const entries = source instanceof Headers ? [...source] : Object.entries(source);
  for (const [name, value] of entries) {
    try {
      headers.append(name, BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value);
    } catch {
      dropped ??= `${name} header`;
    }
  }
  return { headers, dropped };
}

/** What follows the origin in the Request's URL: the path (made absolute) and the query. */
export function tailOf(path: string, query: string | undefined): string {
  return `${path.startsWith('/') ? '' : '/'}${path}${query ? `?${query}` : ''}`;
}

/** The Request for `parts`; never throws (see the file header). */
export function buildRequest(parts: RequestParts): Request {
  const { origin, defect: originDefect } = originOf(parts.proto, parts.host);
  let defect = originDefect;
  const tail = tailOf(parts.path, parts.query);
  let url = `${origin}${tail}`;
  const init: RequestInit = { method: parts.method, headers: parts.headers, body: parts.body, signal: parts.signal };
  let request = attempt(url, init);
  if (!request && !usableUrl(url)) {
    url = `${PLACEHOLDER_ORIGIN}${tail}`;
    defect ??= 'Host header';
    request = attempt(url, init);
  }
  if (!request) {
    const repaired = repairHeaders(parts.headers);
    defect ??= repaired.dropped;
    request = attempt(url, { ...init, headers: repaired.headers });
  }
  if (!request) {
    // Nothing above explains it (e.g. a method no Request accepts): keep only what cannot fail.
    request = new Request(`${PLACEHOLDER_ORIGIN}${tail}`, { method: 'GET', signal: parts.signal });
    defect ??= 'request line';
  }
  if (defect) defects.set(request, defect);
  return request;
}

/** The Request for an event's parts (buildRequest with the body read now; none when `withBody` is false). */
export function requestOf(parts: EventParts, signal?: AbortSignal, withBody = true): Request {
  const { method, proto, host, path, query, headers } = parts;
  return buildRequest({ method, proto, host, path, query, headers, body: withBody ? parts.body() : undefined, signal });
}
