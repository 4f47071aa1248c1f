// web Response -> Lambda. Streaming: the HttpResponseStream prelude, then the body chunk by chunk as it
// arrives. Buffered: the classic {statusCode, headers, body} result for fronts that cannot stream.
import type { Writable } from 'node:stream';

export interface Prelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/** Status, headers and cookies as the Function URL prelude carries them. Set-Cookie must go in `cookies`. */
export function preludeOf(response: Response): Prelude {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  return { statusCode: response.status, headers, cookies: response.headers.getSetCookie() };
}

function waitForDrain(stream: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface StreamStats {
  bytes: number;
  chunks: number;
}

/**
 * Writes `response` into the Lambda response stream. The prelude goes out with the first write, so
 * status and headers are never lost; an empty body still gets one (empty) write, because ending a
 * stream that was never written gives a broken response on Lambda. When `signal` aborts (the client
 * went away or the deadline is near) the body is cancelled, which cancels the producer upstream.
 */
export async function pipeResponse(
  response: Response,
  responseStream: Writable,
  signal: AbortSignal,
): Promise<StreamStats> {
  const out = awslambda.HttpResponseStream.from(responseStream, { ...preludeOf(response) });
  const stats: StreamStats = { bytes: 0, chunks: 0 };
  const reader = response.body?.getReader();
  const cancel = () => {
    reader?.cancel(signal.reason).catch(() => {});
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) break;
        if (!value || value.byteLength === 0) continue;
        stats.bytes += value.byteLength;
        stats.chunks++;
        if (!out.write(value)) await waitForDrain(out, signal);
      }
    }
  } catch (err) {
    // The body failed after the prelude went out; the status can no longer change, so end the stream.
    if (!signal.aborted)
      console.error(JSON.stringify({ level: 'ERROR', message: 'response body failed', error: String(err) }));
  } finally {
    signal.removeEventListener('abort', cancel);
    if (stats.chunks === 0 && !out.destroyed) out.write('');
    if (!out.destroyed && !out.writableEnded) out.end();
  }
  return stats;
}

const TEXTUAL = /^(text\/|application\/(json|.*\+json|javascript|xml|.*\+xml|x-www-form-urlencoded)|image\/svg)/i;

/** Pure predicate: whether a buffered body can travel as UTF-8 text rather than base64. */
export function isTextualContentType(contentType: string | null): boolean {
  return contentType === null || TEXTUAL.test(contentType);
}

export interface BufferedV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
}

export interface BufferedRestResult {
  statusCode: number;
  multiValueHeaders: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export async function toBufferedResult(response: Response, rest: false): Promise<BufferedV2Result>;
export async function toBufferedResult(response: Response, rest: true): Promise<BufferedRestResult>;
export async function toBufferedResult(
  response: Response,
  rest: boolean,
): Promise<BufferedV2Result | BufferedRestResult> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const textual = isTextualContentType(response.headers.get('content-type'));
  const body = textual ? bytes.toString('utf8') : bytes.toString('base64');
  const { statusCode, headers, cookies } = preludeOf(response);
  if (!rest) return { statusCode, headers, cookies, body, isBase64Encoded: !textual };
  // REST (payload 1.0) has no cookies field: Set-Cookie goes back as a multi-value header.
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) multiValueHeaders[k] = [v];
  if (cookies.length) multiValueHeaders['set-cookie'] = cookies;
  return { statusCode, multiValueHeaders, body, isBase64Encoded: !textual };
}
