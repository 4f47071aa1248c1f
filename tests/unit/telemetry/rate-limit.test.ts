// One operational line per cause per interval (#15: "signing keys unavailable" once per cause, however
// many requests hit a JWKS outage), with the skipped lines counted on the next one written.
import { describe, expect, it } from 'vitest';
import { createLineLimiter, createLogger, rateLimited } from '../../../lib/telemetry/index.ts';
import { captureOutput } from './capture.ts';

describe('line limiter', () => {
  it('lets one line per cause through per interval and counts the rest', () => {
    let t = 1_000;
    const limiter = createLineLimiter({ intervalMs: 30_000, now: () => t });
    expect(limiter.take('issuer-a')).toEqual({ suppressed: 0 });
    expect(limiter.take('issuer-a')).toBeUndefined();
    expect(limiter.take('issuer-b')).toEqual({ suppressed: 0 }); // causes are independent
    t += 29_999;
    expect(limiter.take('issuer-a')).toBeUndefined();
    t += 1;
    expect(limiter.take('issuer-a')).toEqual({ suppressed: 2 });
    expect(limiter.take('issuer-a')).toBeUndefined();
  });

  it('remembers at most maxCauses causes (caller-shaped causes cannot grow memory): the oldest is forgotten', () => {
    const t = 0;
    const limiter = createLineLimiter({ intervalMs: 60_000, maxCauses: 3, now: () => t });
    for (const c of ['a', 'b', 'c']) expect(limiter.take(c)).toBeDefined();
    expect(limiter.take('d')).toBeDefined(); // evicts a
    expect(limiter.take('b')).toBeUndefined(); // still remembered
    expect(limiter.take('a')).toEqual({ suppressed: 0 }); // forgotten, so allowed again
  });

  it('prototype keys are ordinary causes', () => {
    const limiter = createLineLimiter({ intervalMs: 60_000, now: () => 0 });
    for (const c of ['__proto__', 'constructor', 'hasOwnProperty']) {
      expect(limiter.take(c)).toEqual({ suppressed: 0 });
      expect(limiter.take(c)).toBeUndefined();
    }
  });
});

describe('rateLimited logger', () => {
  it('writes "signing keys unavailable" once per issuer per interval, with cause and suppressed count', () => {
    let t = 0;
    const out = captureOutput();
    try {
      const log = rateLimited(createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 }), {
        intervalMs: 60_000,
        now: () => t,
      });
      for (let i = 0; i < 50; i++) {
        log.warn('https://as.example/realms/a', 'signing keys unavailable', { error: new Error('fetch failed') });
        log.warn('https://as.example/realms/b', 'signing keys unavailable', { error: new Error('timeout') });
      }
      t = 60_000;
      log.warn('https://as.example/realms/a', 'signing keys unavailable', { error: new Error('fetch failed') });
    } finally {
      out.restore();
    }
    const lines = out.json();
    expect(lines.map((l) => [l._stream, l.level, l.message, l.cause, l.suppressed])).toEqual([
      ['stderr', 'WARN', 'signing keys unavailable', 'https://as.example/realms/a', 0],
      ['stderr', 'WARN', 'signing keys unavailable', 'https://as.example/realms/b', 0],
      ['stderr', 'WARN', 'signing keys unavailable', 'https://as.example/realms/a', 49],
    ]);
    expect((lines[0]!.error as { message: string }).message).toBe('fetch failed');
  });
});
