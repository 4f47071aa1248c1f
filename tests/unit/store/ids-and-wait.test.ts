import { describe, expect, it } from 'vitest';
import { type StoreDynamo, storeCall, wantsDummyCredentials } from '../../../lib/store/dynamodb-client.ts';
import { StoreUnavailableError } from '../../../lib/store/errors.ts';
import { eventIdFor, newSessionId, parseEventId } from '../../../lib/store/ids.ts';
import { isLive } from '../../../lib/store/options.ts';
import { nextPollDelay, pollSchedule } from '../../../lib/store/wait.ts';

describe('session ids', () => {
  it('are 32 random bytes in base64url, never repeating', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    }
  });
});

describe('event ids', () => {
  it('round-trip any session id and stream key, including odd characters', () => {
    for (const [sid, key] of [
      [newSessionId(), '_GET_stream'],
      ['s/with.dots:and#', 'req 1 "quoted" / é 😀'],
      ['x', ''],
    ] as const) {
      const id = eventIdFor(sid, key, 42);
      expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
      expect(parseEventId(id)).toMatchObject({ sessionId: sid, streamKey: key, seq: 42 });
    }
  });

  it('sort in sequence order within a stream', () => {
    const sid = newSessionId();
    const ids = [1, 2, 9, 10, 99, 100, 12345].map((n) => eventIdFor(sid, 'k', n));
    expect([...ids].sort()).toEqual(ids);
  });

  it('hostile input parses to undefined, never throws', () => {
    const good = eventIdFor('abc', 'k', 1);
    for (const bad of [
      '',
      'x',
      `${good}\n`,
      `${good}.1`,
      good.replace(/\d+$/, '1'),
      good.replace(/\d+$/, '-00000000001'),
      `${'A'.repeat(1100)}.aw.000000000001`,
      '.aw.000000000001', // empty session
      'YWJj=.aw.000000000001', // padding: not canonical base64url
      null as unknown as string,
    ]) {
      expect(parseEventId(bad), String(bad)).toBeUndefined();
    }
    // Well-formed ids of other sessions do parse: refusing them is the session-bound adapter's job.
    expect(parseEventId('YWJl.aw.000000000001')?.sessionId).toBe('abe');
    expect(() => eventIdFor('', 'k', 1)).toThrow();
    expect(() => eventIdFor('s', 'k', -1)).toThrow(RangeError);
  });
});

describe('poll backoff', () => {
  it('starts at the poll interval and grows to the cap (200 ms keeps latency within 250 ms)', () => {
    const s = pollSchedule(100);
    const delays: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 6; i++) {
      d = nextPollDelay(d, s);
      delays.push(d);
    }
    expect(delays).toEqual([100, 150, 200, 200, 200, 200]);
  });

  it('never polls faster than the configured interval, even above the cap', () => {
    const s = pollSchedule(1000);
    expect(nextPollDelay(undefined, s)).toBe(1000);
    expect(nextPollDelay(1000, s)).toBe(1000);
    expect(nextPollDelay(undefined, pollSchedule(10, 50))).toBe(10);
  });
});

describe('pure helpers', () => {
  it('isLive: live strictly before expiresAt', () => {
    expect(isLive(100, 99_999)).toBe(true);
    expect(isLive(100, 100_000)).toBe(false);
  });

  it('dummy credentials only for a loopback endpoint without AWS credentials configured', () => {
    expect(wantsDummyCredentials('http://127.0.0.1:8000', {})).toBe(true);
    expect(wantsDummyCredentials('http://localhost:4566', {})).toBe(true);
    expect(wantsDummyCredentials('http://127.0.0.1:8000', { AWS_ACCESS_KEY_ID: 'AKIA' })).toBe(false);
    expect(wantsDummyCredentials('http://127.0.0.1:8000', { AWS_PROFILE: 'dev' })).toBe(false);
    expect(wantsDummyCredentials('https://dynamodb.example.internal', {})).toBe(false);
    expect(wantsDummyCredentials(undefined, {})).toBe(false);
  });
});

describe('storeCall: what counts as a store outage', () => {
  const d = { operationTimeoutMs: 1_000 } as StoreDynamo;
  const failing = (err: unknown) => storeCall(d, 'read session', async () => Promise.reject(err));

  it('network and service failures become StoreUnavailableError', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} });
    const timeout = new DOMException('The operation timed out', 'TimeoutError');
    for (const err of [refused, throttled, timeout]) {
      await expect(failing(err)).rejects.toBeInstanceOf(StoreUnavailableError);
    }
  });

  it('a bug or an unmarshallable value is not an outage: it propagates as it is', async () => {
    for (const err of [
      new RangeError('Maximum call stack size exceeded'),
      new TypeError('Cannot read properties of undefined'),
      Object.assign(new Error('refused'), { name: 'ConditionalCheckFailedException' }),
    ]) {
      await expect(failing(err)).rejects.toBe(err);
    }
  });
});
