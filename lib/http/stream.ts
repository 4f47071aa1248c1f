// web Response -> Lambda response stream: the HttpResponseStream prelude (status, headers, cookies),
// then the body chunk by chunk as it arrives.

import type { Writable } from 'node:stream';
import { log } from '../telemetry/index.ts';
import type { StaticAnswer } from '../web-handler.ts';

export interface Prelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/** Status, headers and cookies as the prelude (and payload 2.0 results) carry them: Set-Cookie goes in `cookies`. */
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
  /** Set when the body failed after the prelude went out. */
  error?: unknown;
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
  // The prelude goes out with the first write. An event stream may stay idle for a while (a 2025 GET
  // stream before 2025-11-25 has no priming event), so its status and headers go out now.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) out.write('');
  const reader = response.body?.getReader();
  const cancel = () => {
    // Cancelling a body that already failed or ended rejects; there is nothing left to report.
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
    if (!signal.aborted) log.error('response body failed', { error: err });
    stats.error = err;
  } finally {
    signal.removeEventListener('abort', cancel);
    if (stats.chunks === 0 && !out.destroyed) out.write('');
    if (!out.destroyed && !out.writableEnded) out.end();
  }
  return stats;
}

/**
 * Writes a static answer into the Lambda response stream: the bytes pipeResponse writes for the equal
 * Response (same prelude, the body as one chunk), with no Response and no web stream in between.
 */
export function writeAnswer(answer: StaticAnswer, responseStream: Writable, signal: AbortSignal): StreamStats {
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: answer.status,
    headers: answer.headers,
    cookies: [],
  });
  const stats: StreamStats = { bytes: 0, chunks: 0 };
  if (answer.headers['content-type']?.startsWith('text/event-stream')) out.write('');
  if (answer.body !== '' && !signal.aborted) {
    out.write(answer.body);
    stats.bytes = Buffer.byteLength(answer.body);
    stats.chunks = 1;
  }
  if (stats.chunks === 0 && !out.destroyed) out.write('');
  if (!out.destroyed && !out.writableEnded) out.end();
  return stats;
}
