// Following a message channel from "now on": the building block of the cross-instance event bus and of
// the reply pump of a session exchange.
import type { MessageStore } from './types.ts';

export interface FollowOptions {
  /** Following stops when this aborts. */
  signal: AbortSignal;
  /** One waitFor's bound (ms); it only sets how often an idle follower re-arms. Default 10 000. */
  waitMs?: number;
  /** Pause after a store error before trying again from the same cursor (ms). Default 250. */
  retryMs?: number;
  /** Told about every store error (they are retried, never fatal). */
  onError?: (err: unknown) => void;
}

export interface Following {
  /** True once the cursor stands at the channel's head (later messages will be delivered); false if stopped first. */
  ready: Promise<boolean>;
  /** Settles when following has stopped. Never rejects. */
  done: Promise<void>;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer or listener behind. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Delivers every message published on `channel` after the channel's head at the time of the call, once
 * and in order, until `signal` aborts. A store error (also on the first head read) is retried after a
 * pause from the same cursor: never from the channel's start, so history is never replayed, and nothing
 * after the cursor is skipped.
 */
export function followChannel(
  messages: MessageStore,
  channel: string,
  deliver: (data: unknown) => void,
  opts: FollowOptions,
): Following {
  const { signal } = opts;
  const retryMs = opts.retryMs ?? 250;
  const report = (err: unknown) => opts.onError?.(err);
  let markReady!: (ok: boolean) => void;
  const ready = new Promise<boolean>((r) => {
    markReady = r;
  });
  const done = (async () => {
    let cursor: number | undefined;
    while (cursor === undefined && !signal.aborted) {
      try {
        cursor = await messages.head(channel);
      } catch (err) {
        report(err);
        await pause(retryMs, signal);
      }
    }
    markReady(cursor !== undefined);
    while (cursor !== undefined && !signal.aborted) {
      let got: Awaited<ReturnType<MessageStore['waitFor']>>;
      try {
        got = await messages.waitFor(channel, cursor, { signal, timeoutMs: opts.waitMs ?? 10_000 });
      } catch (err) {
        report(err);
        await pause(retryMs, signal);
        continue;
      }
      cursor = got.cursor;
      for (const m of got.messages) {
        try {
          deliver(m.data);
        } catch (err) {
          report(err); // one bad delivery must not stop the ones after it
        }
      }
    }
  })().finally(() => markReady(false));
  return { ready, done };
}
