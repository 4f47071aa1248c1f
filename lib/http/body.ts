// Bodies across the Lambda boundary: an event's body (text or base64) in, a buffered result's body out.
import type { StaticAnswer } from '../web-handler.ts';
import { BODYLESS, type HttpEvent } from './processor.ts';
import type { EventParts } from './request.ts';

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

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The event's body as text when the Request would carry exactly its UTF-8 bytes (a non-empty, non-base64 body). */
export function textBodyOf(event: HttpEvent, method: string): string | undefined {
  const body = event.body;
  return typeof body === 'string' && body !== '' && !event.isBase64Encoded && !BODYLESS.has(method) ? body : undefined;
}

/**
 * Pure predicate, for an app that reads a JSON body only as ctx.bodyText (WebApp.bodyFromText): the Request may
 * go without its body stream. The Content-Type is JSON (so there is no form body to look into for a token) and
 * the text parses as it is (no BOM, no lone surrogate: readJsonBody never falls back to the Request's bytes).
 */
export function bodyAsTextOnly(parts: EventParts, text: string): boolean {
  const type = parts.headers['content-type'];
  return (
    type !== undefined &&
    JSON_TYPE.test(type.trim()) &&
    text.charCodeAt(0) !== 0xfeff &&
    // isWellFormed is ES2024 (Node 20+); the project's TypeScript lib predates it.
    (text as unknown as { isWellFormed(): boolean }).isWellFormed()
  );
}
