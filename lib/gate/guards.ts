// Pre-dispatch HTTP guards for every protected route: well-formed Host and X-Forwarded-Proto, Origin
// and Host allow-lists (DNS-rebinding defence), CORS. Pure functions of (request, config); they read only
// the request's head (a Request is one), so the gate's early answer (early.ts) runs the same checks.
import type { Config } from '../config.ts';
import { INVALID_REQUEST, rpcErrorResponse } from '../mcp/jsonrpc.ts';
import type { RequestHead } from '../web-handler.ts';

const LAMBDA_URL_HOST = /^[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws$/;
// RFC 9110 Host = uri-host [ ":" port ]; uri-host is an IP literal or a reg-name/IPv4 (RFC 3986) without
// percent-encoding (which the URL parser would decode) and without userinfo, which Host never carries.
const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::[0-9]{1,5})?$/;
const PROTOCOL = /^https?$/i;

/**
 * Pure: the header that makes the request malformed (`Host header`, `X-Forwarded-Proto header`), or
 * undefined. A Host must be host[:port] and form a URL; X-Forwarded-Proto's first item http or https.
 */
export function malformedHeader(request: RequestHead): string | undefined {
  const host = request.headers.get('host');
  if (host !== null && !(HOST_SYNTAX.test(host) && URL.canParse(`http://${host}`))) return 'Host header';
  const proto = request.headers.get('x-forwarded-proto');
  if (proto !== null && !PROTOCOL.test(proto.split(',', 1)[0]!.trim())) return 'X-Forwarded-Proto header';
  return undefined;
}

/** The 400 for a malformed request, naming what is wrong (`what` as malformedHeader gives it). */
export function malformedRequest(what: string): Response {
  return rpcErrorResponse(400, INVALID_REQUEST, `Bad Request: the ${what} is malformed`);
}

/** Pure predicate: an Origin header (when present) is on the allow-list. Absent Origin = not a browser. */
export function originAllowed(origin: string | null, allowed: readonly string[]): boolean {
  if (origin === null) return true;
  return allowed.includes('*') || allowed.includes(origin);
}

/** Pure predicate: the Host header names us (DNS-rebinding defence). Function URL hosts are AWS-owned. */
export function hostAllowed(host: string | null, allowed: readonly string[]): boolean {
  if (host === null) return false;
  const h = host.toLowerCase();
  const bare = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d+$/, '');
  return allowed.includes(h) || allowed.includes(bare) || LAMBDA_URL_HOST.test(bare);
}

const ALLOW_HEADERS =
  'authorization, content-type, accept, last-event-id, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name';
const EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate';

/** CORS headers for an allowed browser origin; none for non-browser callers. */
export function corsHeaders(request: RequestHead, cfg: Config): Record<string, string> {
  const origin = request.headers.get('origin');
  if (origin === null || !originAllowed(origin, cfg.allowedOrigins)) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'Origin' };
}

/** The response with `extra` headers set (the same response when there are none). */
export function withHeaders(response: Response, extra: Record<string, string>): Response {
  if (Object.keys(extra).length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The answer to a CORS preflight: 204 with the allowed methods and headers, or 403 for a foreign Origin. */
export function preflight(request: RequestHead, cfg: Config, methods: string): Response {
  const origin = request.headers.get('origin');
  if (!originAllowed(origin, cfg.allowedOrigins)) return forbiddenOrigin();
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(request, cfg),
      'access-control-allow-methods': methods,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': '600',
    },
  });
}

function forbiddenOrigin(): Response {
  return rpcErrorResponse(403, INVALID_REQUEST, 'Forbidden: Origin not allowed');
}

/** Origin then Host: the 403 to send, or undefined when the request may proceed. */
export function rejectForeign(request: RequestHead, cfg: Config): Response | undefined {
  if (!originAllowed(request.headers.get('origin'), cfg.allowedOrigins)) return forbiddenOrigin();
  if (!hostAllowed(request.headers.get('host') ?? new URL(request.url).host, cfg.allowedHosts)) {
    return rpcErrorResponse(403, INVALID_REQUEST, 'Forbidden: Host not allowed');
  }
  return undefined;
}
