// Reading a JSON-RPC POST body: bounded in bytes and in nesting depth, parsed once, never a 500.
import { INVALID_REQUEST, PARSE_ERROR, rpcErrorResponse } from '../mcp/jsonrpc.ts';

/**
 * The deepest nesting of arrays and objects a body may have. JSON-RPC needs 3 levels and tool arguments
 * a few more; far deeper values only serve to exhaust the stack of whatever walks them later (schema
 * validation, serialisation, the audit digest), which answers a RangeError, not a 400.
 */
export const MAX_JSON_DEPTH = 64;

export type BodyResult = { ok: true; body: unknown; bytes: number } | { ok: false; response: Response };

/** Pure predicate: the media type is application/json (parameters such as charset allowed). */
export function isJsonMediaType(contentType: string | null): boolean {
  return contentType !== null && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Pure: whether JSON text nests arrays/objects deeper than `max`, by one pass over its bytes (brackets
 * inside strings do not count). Exact for valid JSON; on invalid JSON either answer ends in a 400.
 */
export function nestedDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return false;
}

function tooLarge(maxBytes: number): Response {
  return rpcErrorResponse(413, INVALID_REQUEST, `Request body too large: the limit is ${maxBytes} bytes`);
}

/** Pure: nestedDeeperThan over text (the brackets, quote and backslash are ASCII: same answer as its UTF-8 bytes). */
export function textNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const b = text.charCodeAt(i);
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return false;
}

/**
 * The body from its text, with the answers reading the bytes gives; undefined when the text could decode
 * differently from its bytes (a lone surrogate becomes U+FFFD in UTF-8; the decoder drops a leading BOM).
 */
function fromText(text: string, maxBytes: number, maxDepth: number): BodyResult | undefined {
  // isWellFormed is ES2024 (Node 20+); the project's TypeScript lib predates it.
  if (text.charCodeAt(0) === 0xfeff || !(text as unknown as { isWellFormed(): boolean }).isWellFormed())
    return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, response: tooLarge(maxBytes) };
  if (textNestedDeeperThan(text, maxDepth)) return tooDeep(maxDepth);
  try {
    return { ok: true, body: JSON.parse(text), bytes };
  } catch {
    return parseError();
  }
}

function tooDeep(maxDepth: number): BodyResult {
  const message = `Bad Request: the JSON body is nested deeper than ${maxDepth} levels`;
  return { ok: false, response: rpcErrorResponse(400, INVALID_REQUEST, message) };
}

function parseError(): BodyResult {
  return { ok: false, response: rpcErrorResponse(400, PARSE_ERROR, 'Parse error: the body is not valid UTF-8 JSON') };
}

/**
 * Reads and parses a JSON-RPC POST body: 413 over `maxBytes`, 415 when not JSON, 400 when nested deeper
 * than `maxDepth`, 400 with a JSON-RPC parse error when it does not parse. `text`: the body as the front
 * adapter already holds it (InvocationContext.bodyText), parsed as is rather than read from the Request.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  maxDepth = MAX_JSON_DEPTH,
  text?: string,
): Promise<BodyResult> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, response: tooLarge(maxBytes) };
  if (!isJsonMediaType(request.headers.get('content-type'))) {
    return {
      ok: false,
      response: rpcErrorResponse(415, INVALID_REQUEST, 'Unsupported Media Type: Content-Type must be application/json'),
    };
  }
  const fast = text === undefined ? undefined : fromText(text, maxBytes, maxDepth);
  if (fast) return fast;
  const buf = new Uint8Array(await request.arrayBuffer());
  if (buf.byteLength > maxBytes) return { ok: false, response: tooLarge(maxBytes) };
  if (nestedDeeperThan(buf, maxDepth)) return tooDeep(maxDepth);
  try {
    return { ok: true, body: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf)), bytes: buf.byteLength };
  } catch {
    return parseError();
  }
}
