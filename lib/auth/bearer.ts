// Bearer token extraction (RFC 6750), from the Authorization header only. The size limit is checked on
// the raw header before any regex or base64 work. No error text ever contains the token.

import type { RequestHead } from '../web-handler.ts';
import { AuthError } from './errors.ts';

/**
 * `none`: no credentials for us (no header, or another scheme such as Basic or DPoP): a 401 challenge
 * without an error code (RFC 6750 3.1). `token`: a syntactically valid b64token, not yet verified.
 * `error`: 400 invalid_request for `access_token` in the query string or a form body (refused, never
 * read as a credential); 401 for a malformed or oversized Authorization header.
 */
export type BearerResult =
  | { kind: 'none'; reason: 'no_authorization' | 'unsupported_scheme' }
  | { kind: 'token'; token: string }
  | { kind: 'error'; error: AuthError };

const SCHEME = 'bearer';
// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// How much of a form body we look at for a smuggled access_token; a real token fits well within it.
const FORM_SCAN_BYTES = 64 * 1024;

/** True when the query string carries `access_token` (RFC 6750 section 2.3, which we refuse). */
export function hasQueryToken(url: string): boolean {
  try {
    return new URL(url).searchParams.has('access_token');
  } catch {
    return false; // not a URL, so no query string to carry a token
  }
}

/** Pure predicate: the Content-Type names a form body (application/x-www-form-urlencoded). */
function isFormType(head: RequestHead): boolean {
  const type = head.headers.get('content-type')?.toLowerCase() ?? '';
  return type.split(';', 1)[0]?.trim() === 'application/x-www-form-urlencoded';
}

function isFormRequest(request: Request): boolean {
  return isFormType(request) && request.body !== null;
}

/** Reads at most `limit` bytes of a clone of the body, so the original stays readable downstream. */
async function peekBody(request: Request, limit: number): Promise<string> {
  const reader = request.clone().body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Not awaited: a tee branch's cancel() settles only once the other branch (the original body) is
    // cancelled or read too, which happens downstream.
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.byteLength - offset);
    all.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** True when a form-encoded body carries `access_token` (RFC 6750 section 2.2, which we refuse). */
export async function hasFormBodyToken(request: Request): Promise<boolean> {
  if (!isFormRequest(request)) return false;
  try {
    return new URLSearchParams(await peekBody(request, FORM_SCAN_BYTES)).has('access_token');
  } catch {
    return false; // an unreadable body carries no token; reading it downstream answers for it
  }
}

/** Pure parse of an Authorization header value (see BearerResult). */
export function parseAuthorization(header: string | null, maxTokenBytes: number): BearerResult {
  if (header === null) return { kind: 'none', reason: 'no_authorization' };
  // Header values are byte strings, so length is the byte count. Checked before any parsing.
  if (header.length > maxTokenBytes + SCHEME.length + 1) {
    return { kind: 'error', error: new AuthError('invalid_token', 'The access token is too large') };
  }
  const value = header.trim();
  const space = value.indexOf(' ');
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  if (scheme === '') {
    return { kind: 'error', error: new AuthError('invalid_request', 'The Authorization header is empty') };
  }
  if (scheme !== SCHEME) return { kind: 'none', reason: 'unsupported_scheme' };
  const token = space === -1 ? '' : value.slice(space + 1).trim();
  if (token === '') {
    return { kind: 'error', error: new AuthError('invalid_request', 'The Bearer scheme needs a token') };
  }
  if (!B64TOKEN.test(token)) {
    return { kind: 'error', error: new AuthError('invalid_token', 'The access token is malformed') };
  }
  return { kind: 'token', token };
}

/** The request's bearer token, refusing tokens anywhere but the Authorization header (see BearerResult). */
export async function extractBearer(request: Request, auth: { maxTokenBytes: number }): Promise<BearerResult> {
  if (hasQueryToken(request.url)) {
    return {
      kind: 'error',
      error: new AuthError(
        'invalid_request',
        'Access tokens are not accepted in the query string; send them in the Authorization header',
        400,
      ),
    };
  }
  if (await hasFormBodyToken(request)) {
    return {
      kind: 'error',
      error: new AuthError(
        'invalid_request',
        'Access tokens are not accepted in a form body; send them in the Authorization header',
        400,
      ),
    };
  }
  return parseAuthorization(request.headers.get('authorization'), auth.maxTokenBytes);
}

/**
 * Pure predicate: extractBearer surely finds no credential (`none`) in a request with this head: no query
 * string at all (so no access_token in it), no form Content-Type (so no form body to look into), and an
 * Authorization header that is absent or of another scheme. False also for what it cannot tell without
 * the body; extractBearer then decides.
 */
export function surelyNoCredential(head: RequestHead, auth: { maxTokenBytes: number }): boolean {
  if (head.url.includes('?') || isFormType(head)) return false;
  return parseAuthorization(head.headers.get('authorization'), auth.maxTokenBytes).kind === 'none';
}
