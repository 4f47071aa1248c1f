// SEP-2243 custom headers: what we add around the SDK's own check. The SDK's createMcpHandler compares each
// `Mcp-Param-<Name>` header with the argument its tool declares `x-mcp-header` on (400 / -32020 when missing,
// different or malformed Base64). Two gaps remain, closed here on the 2026-07-28 path of every front:
// - a raw non-ASCII value. The spec makes clients send such values as `=?base64?…?=`; a raw one reaches the
//   handler differently per front (Function URL, REST, ALB, a Node server each decode bytes their own way),
//   so it could match the body on one front and not on another. Refused outright, before the SDK.
// - the SDK's rejection message quotes the header and the argument; its onerror hook must not carry that
//   into our logs (no raw tool argument in a log line).
import { messagesOf, rpcErrorResponse } from './jsonrpc.ts';

/** JSON-RPC HeaderMismatch (2026-07-28). */
export const HEADER_MISMATCH = -32020;

const PARAM_PREFIX = 'mcp-param-';
/** Visible ASCII plus space and tab: what a field value may hold unencoded (RFC 9110 field-vchar, no obs-text). */
const PLAIN_FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/** The first `Mcp-Param-*` header (lower-case name) whose value is not plain ASCII, or undefined (pure). */
export function nonAsciiParamHeader(headers: Headers): string | undefined {
  for (const [name, value] of headers) {
    if (name.startsWith(PARAM_PREFIX) && !PLAIN_FIELD_VALUE.test(value)) return name;
  }
  return undefined;
}

/** The 400 / -32020 for a non-ASCII `Mcp-Param-*` value; names the header, never echoes its value. */
export function nonAsciiParamRejection(header: string, body: unknown): Response {
  const [first] = messagesOf(body);
  const id = typeof first?.id === 'string' || typeof first?.id === 'number' ? first.id : null;
  return rpcErrorResponse(
    400,
    HEADER_MISMATCH,
    `Bad Request: the ${header} header must be ASCII; send other values Base64-encoded as =?base64?...?=`,
    { id },
  );
}

const INBOUND_REJECTION = /^(Rejected inbound request \([\w-]+\))/;

/**
 * What the SDK's onerror may put in a log line. Its inbound-ladder rejections quote header values and the
 * tool arguments they disagree with: only the rejection's kind is kept. Other errors pass unchanged.
 */
export function loggableHandlerError(error: Error): Error | { name: string; message: string } {
  const kind = INBOUND_REJECTION.exec(error.message)?.[1];
  return kind ? { name: error.name, message: kind } : error;
}
