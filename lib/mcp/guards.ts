// Pre-dispatch HTTP guards for MCP routes: Origin and Host validation, CORS, and body limits.
// Pure functions of (request, config) so every route applies the same rules.
import type { Config } from '../config.ts';
import { INVALID_REQUEST, PARSE_ERROR, rpcErrorResponse } from './jsonrpc.ts';

const LAMBDA_URL_HOST = /^[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws$/;

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
export function corsHeaders(request: Request, cfg: Config): Record<string, string> {
  const origin = request.headers.get('origin');
  if (origin === null || !originAllowed(origin, cfg.allowedOrigins)) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'Origin' };
}

export function withHeaders(response: Response, extra: Record<string, string>): Response {
  if (Object.keys(extra).length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export function preflight(request: Request, cfg: Config, methods: string): Response {
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

export function forbiddenOrigin(): Response {
  return rpcErrorResponse(403, INVALID_REQUEST, 'Forbidden: Origin not allowed');
}

/** Origin then Host: the answer to send, or undefined when the request may proceed. */
export function rejectForeign(request: Request, cfg: Config): Response | undefined {
  if (!originAllowed(request.headers.get('origin'), cfg.allowedOrigins)) return forbiddenOrigin();
  if (!hostAllowed(request.headers.get('host') ?? new URL(request.url).host, cfg.allowedHosts)) {
    return rpcErrorResponse(403, INVALID_REQUEST, 'Forbidden: Host not allowed');
  }
  return undefined;
}

export type BodyResult = { ok: true; body: unknown; bytes: number } | { ok: false; response: Response };

/** Pure predicate: the media type is application/json (parameters such as charset allowed). */
export function isJsonMediaType(contentType: string | null): boolean {
  return contentType !== null && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/**
 * Reads and parses a JSON-RPC POST body under a byte limit: 413 when over it, 415 when not JSON,
 * 400 with a JSON-RPC parse error when it does not parse (never a 500).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, response: tooLarge(maxBytes) };
  if (!isJsonMediaType(request.headers.get('content-type'))) {
    return {
      ok: false,
      response: rpcErrorResponse(415, INVALID_REQUEST, 'Unsupported Media Type: Content-Type must be application/json'),
    };
  }
  const buf = new Uint8Array(await request.arrayBuffer());
  if (buf.byteLength > maxBytes) return { ok: false, response: tooLarge(maxBytes) };
  try {
    return { ok: true, body: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf)), bytes: buf.byteLength };
  } catch {
    return { ok: false, response: rpcErrorResponse(400, PARSE_ERROR, 'Parse error: the body is not valid UTF-8 JSON') };
  }
}

function tooLarge(maxBytes: number): Response {
  return rpcErrorResponse(413, INVALID_REQUEST, `Request body too large: the limit is ${maxBytes} bytes`);
}
