// Bodies across the Lambda boundary: an event's body (text or base64) in, a buffered result's body out.
import type { StaticAnswer } from '../web-handler.ts';

/** The event body as bytes; undefined when there is none. */
export function decodeBody(body: string | null | undefined, isBase64: boolean): Uint8Array<ArrayBuffer> | undefined {
  if (body === null || body === undefined || body === '') return undefined;
  const bytes = Buffer.from(body, isBase64 ? 'base64' : 'utf8');
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

const TEXTUAL = /^(text\/|application\/(json|.*\+json|javascript|xml|.*\+xml|x-www-form-urlencoded)|image\/svg)/i;

/** Pure predicate: whether a buffered body can travel as UTF-8 text rather than base64. */
export function isTextualContentType(contentType: string | null): boolean {
  return contentType === null || TEXTUAL.test(contentType);
}

/** A static answer's body the way buffered results carry it (encodeBody's answer for the equal Response). */
export function encodeText(answer: StaticAnswer): { body: string; isBase64Encoded: boolean } {
  const textual = isTextualContentType(answer.headers['content-type'] ?? null);
  return {
    body: textual ? answer.body : Buffer.from(answer.body, 'utf8').toString('base64'),
    isBase64Encoded: !textual,
  };
}

/** Reads a whole response body the way buffered results carry it: UTF-8 text, or base64 for binary types. */
export async function encodeBody(response: Response): Promise<{ body: string; isBase64Encoded: boolean }> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const textual = isTextualContentType(response.headers.get('content-type'));
  return { body: bytes.toString(textual ? 'utf8' : 'base64'), isBase64Encoded: !textual };
}
