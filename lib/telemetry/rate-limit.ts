// One operational line per cause per interval: a JWKS outage or a failing store must not write one line per
// request (#15 asks for one line per cause). The lines in between are counted and reported as `suppressed`
// on the next line that is written for that cause.
import type { LogFields, OpsLogger } from './logger.ts';

export interface LineLimiterOptions {
  /** At most one line per cause in this many milliseconds. */
  intervalMs: number;
  /** Causes remembered at once (the oldest is forgotten first), so caller-shaped causes cannot grow memory. */
  maxCauses?: number;
  now?: () => number;
}

export interface LineLimiter {
  /** `{ suppressed }` (lines skipped for this cause since the last one written) when a line may be written, else undefined. */
  take(cause: string): { suppressed: number } | undefined;
}

export function createLineLimiter({ intervalMs, maxCauses = 256, now = Date.now }: LineLimiterOptions): LineLimiter {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return {
    take(cause) {
      const t = now();
      const entry = seen.get(cause);
      if (entry && t - entry.at < intervalMs) {
        entry.suppressed++;
        return undefined;
      }
      seen.delete(cause);
      seen.set(cause, { at: t, suppressed: 0 });
      if (seen.size > maxCauses) seen.delete(seen.keys().next().value as string);
      return { suppressed: entry?.suppressed ?? 0 };
    },
  };
}

/** A logger whose every line names a cause and is written at most once per cause per interval. */
export interface RateLimitedLogger {
  debug(cause: string, message: string, fields?: LogFields): void;
  info(cause: string, message: string, fields?: LogFields): void;
  warn(cause: string, message: string, fields?: LogFields): void;
  error(cause: string, message: string, fields?: LogFields): void;
}

/**
 * `rateLimited(log, { intervalMs: 60_000 }).warn(issuer, 'signing keys unavailable', { error })` writes the
 * line (with `cause` and `suppressed`) once a minute per issuer, however many requests hit the outage.
 */
export function rateLimited(logger: OpsLogger, opts: LineLimiterOptions): RateLimitedLogger {
  const limiter = createLineLimiter(opts);
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (cause: string, message: string, fields?: LogFields): void => {
      const slot = limiter.take(`${level}\u0000${message}\u0000${cause}`);
      if (slot) logger[level](message, { ...fields, cause, suppressed: slot.suppressed });
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
