// Tailing a stored event stream onto an SSE response: the building block of GET /mcp (2025 era) and
// GET /sse. Resumable anywhere, because event ids name their stream and position.

import type { Config } from '../../config.ts';
import type { EventLog } from '../../store/index.ts';
import { log } from '../../telemetry/index.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { type SseBody, sseComment, sseFrame } from './sse.ts';

/** The `retry` hint a stream ends with, so the client reconnects with Last-Event-ID. */
export const RETRY_MS = 1_000;
/** Streams end this long before the invocation deadline, so they close cleanly with a retry hint. */
export const DEADLINE_MARGIN_MS = 2_000;
/**
 * Appended to a POST's reply stream once every response of that POST is in the log. A GET that
 * resumes the stream (Last-Event-ID) ends when it reaches the marker, instead of polling a finished
 * stream until its maximum duration. Never sent to a client.
 */
export const END_OF_STREAM = { jsonrpc: '2.0', method: 'mcp-lambda-stack/end-of-stream' } as const;

/** Pure predicate: the stored message is the end-of-stream marker. */
function isEndOfStream(m: unknown): boolean {
  return (m as { method?: unknown } | null)?.method === END_OF_STREAM.method && !('id' in (m as object));
}

/** How often an open stream checks that its session still exists (one consistent read). */
const ALIVE_CHECK_MS = 5_000;

/**
 * Writes every event after `cursor` as it appears, with keepalive comments while idle, until the client
 * goes away, the stream's maximum duration passes, or the invocation nears its deadline. Then it ends
 * with a `retry` hint so that the client reconnects (with Last-Event-ID) to whichever instance is next.
 */
export function tailStream(opts: {
  events: EventLog;
  body: SseBody;
  cursor: string;
  ctx: InvocationContext;
  cfg: Config;
  /** False once the session is gone (deleted or expired): the stream then ends without a retry hint. */
  alive?: () => Promise<boolean>;
  aliveEveryMs?: number;
}): Promise<void> {
  const { events, body, ctx, cfg } = opts;
  const aliveEvery = opts.aliveEveryMs ?? ALIVE_CHECK_MS;
  const endAt = Math.min(Date.now() + cfg.store.streamMaxDurationMs, ctx.deadline - DEADLINE_MARGIN_MS);
  const stop = new AbortController();
  const onGone = () => stop.abort();
  ctx.signal.addEventListener('abort', onGone, { once: true });
  body.closed.then(onGone);
  const keepAlive = cfg.store.keepAliveMs > 0 ? cfg.store.keepAliveMs : 60_000;
  return (async () => {
    let position = opts.cursor;
    let gone = false;
    let finished = false;
    let lastWrite = Date.now();
    let nextCheck = Date.now() + aliveEvery;
    while (!stop.signal.aborted && body.open) {
      const now = Date.now();
      const left = endAt - now;
      if (left <= 0) break;
      // A deleted session's stream must not stay open until its maximum duration: nothing would
      // ever be written to it again. The check is cheap next to the event log's idle polling.
      if (opts.alive && now >= nextCheck) {
        nextCheck = now + aliveEvery;
        // A store error says nothing about the session: keep streaming, the next check asks again.
        gone = !(await opts.alive().catch(() => true));
        if (gone) break;
      }
      const idleFor = Math.max(0, keepAlive - (now - lastWrite));
      const waitMs = Math.max(1, Math.min(idleFor, left, opts.alive ? nextCheck - now : left));
      let batch: Awaited<ReturnType<EventLog['waitAfter']>>;
      try {
        batch = await events.waitAfter(position, { signal: stop.signal, timeoutMs: waitMs });
      } catch (err) {
        log.warn('stream read failed', { error: err });
        break;
      }
      if (!batch) break;
      for (const e of batch.events) {
        if (Object.keys(e.message).length === 0) continue; // a priming placeholder has nothing to deliver
        if (isEndOfStream(e.message)) {
          finished = true;
          break;
        }
        body.write(sseFrame({ id: e.id, event: 'message', data: JSON.stringify(e.message) }));
        lastWrite = Date.now();
      }
      if (finished) break;
      if (cfg.store.keepAliveMs > 0 && Date.now() - lastWrite >= keepAlive) {
        body.write(sseComment('keepalive'));
        lastWrite = Date.now();
      }
      position = batch.cursor;
    }
    // A live stream ends with a retry hint so the client resumes on the next instance; a dead or
    // finished one must not.
    if (!gone && !finished) body.write(`retry: ${RETRY_MS}\n\n`);
    body.close();
    ctx.signal.removeEventListener('abort', onGone);
  })();
}
