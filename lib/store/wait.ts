// Waiting for new log entries: wake at once on an in-process signal, otherwise poll the shared store
// with a backoff, so an idle stream costs few reads while a busy one stays fast.

import type { WaitOptions } from './types.ts';

const DEFAULT_WAIT_TIMEOUT_MS = 25_000;
/** The default cap keeps worst-case delivery latency (cap + one read) within 250 ms. */
export const DEFAULT_MAX_POLL_INTERVAL_MS = 200;

export interface PollSchedule {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** The delay before the next idle poll: grows by `factor` from `initialMs` up to `maxMs`. */
export function nextPollDelay(previousMs: number | undefined, s: PollSchedule): number {
  if (previousMs === undefined) return s.initialMs;
  return Math.min(s.maxMs, Math.max(s.initialMs, Math.round(previousMs * s.factor)));
}

/** The idle poll backoff: from POLL_INTERVAL_MS up to the cap. */
export function pollSchedule(pollIntervalMs: number, maxPollIntervalMs?: number): PollSchedule {
  return {
    initialMs: pollIntervalMs,
    maxMs: Math.max(pollIntervalMs, maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS),
    factor: 1.5,
  };
}

export interface WaitLoop<T> {
  /** Reads once; a result for which `found` is true ends the wait. */
  check: () => Promise<T>;
  found: (result: T) => boolean;
  /** Registers an in-process wake-up; returns the unsubscribe function. */
  subscribe: (wake: () => void) => () => void;
  /** Undefined: never poll, only wake-ups (the in-memory store). */
  schedule: PollSchedule | undefined;
}

/** Runs check until it finds something, the timeout passes or the signal aborts; returns the last result. */
export async function waitLoop<T>(loop: WaitLoop<T>, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  const signal = options.signal;
  let woken = false;
  let resolveWake: (() => void) | undefined;
  const wake = () => {
    woken = true;
    resolveWake?.();
  };
  // Subscribe before the first read so a publish between read and sleep is not lost.
  const unsubscribe = loop.subscribe(wake);
  signal?.addEventListener('abort', wake);
  let delay: number | undefined;
  try {
    for (;;) {
      woken = false;
      const result = await loop.check();
      if (loop.found(result) || signal?.aborted) return result;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return result;
      if (!woken) {
        delay = loop.schedule ? nextPollDelay(delay, loop.schedule) : remaining;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(delay!, remaining));
          resolveWake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        resolveWake = undefined;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', wake);
  }
}
