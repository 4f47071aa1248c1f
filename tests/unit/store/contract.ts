// The store contract, run against every implementation (memory in tests/unit, DynamoDB over dynalite
// in tests/integration). `pair()` gives two "instances": separate store objects sharing one backend.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config.ts';
import { loadConfig } from '../../../lib/config.ts';
import {
  eventIdFor,
  newSessionId,
  parseEventId,
  SessionExistsError,
  type StoreOptions,
  type Stores,
} from '../../../lib/store/index.ts';

export interface ContractHarness {
  /** Two instances over one backend, built with these options (clock, size bounds...). */
  pair(cfg: Config, options?: StoreOptions & Record<string, unknown>): [Stores, Stores];
}

export function baseConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ AUTH_DISABLED: 'true', SESSION_TTL_S: '60', ...env });
}

/** A clock tests can move; starts at the real time so DynamoDB-side values look sane. */
export function testClock() {
  let t = Date.now();
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const note = (i: number, from = 'x'): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { level: 'info', data: `${from}-${i}` },
});

const newSession = (subject = 'alice') => ({
  id: newSessionId(),
  subject,
  clientId: 'client-1',
  protocolVersion: '2025-11-25',
  clientCapabilities: { roots: { listChanged: true }, elicitation: {}, 'x-odd key': [1, 'two', null] },
  clientInfo: { name: 'test-client', version: '1.0.0' },
  initialized: true,
});

export function storeContract(name: string, h: ContractHarness, cfgFor: () => Config = () => baseConfig()): void {
  describe(`${name}: sessions`, () => {
    it('creates, reads back exactly, and refuses a duplicate id', async () => {
      const [a, b] = h.pair(cfgFor());
      const s = newSession();
      const rec = await a.sessions.create(s);
      expect(rec).toMatchObject(s);
      expect(rec.createdAt).toBe(rec.lastSeenAt);
      expect(rec.expiresAt).toBe(Math.floor(rec.createdAt / 1000) + 60);
      expect(await b.sessions.get(s.id)).toEqual(rec);
      await expect(b.sessions.create({ ...s, subject: 'mallory' })).rejects.toBeInstanceOf(SessionExistsError);
      expect((await a.sessions.get(s.id))?.subject).toBe('alice');
      expect(await a.sessions.get(newSessionId())).toBeUndefined();
    });

    it('touch extends lastSeenAt and expiresAt; delete ends it everywhere', async () => {
      const clock = testClock();
      const [a, b] = h.pair(cfgFor(), { now: clock.now });
      const s = newSession();
      const rec = await a.sessions.create(s);
      clock.advance(30_000);
      const touched = await b.sessions.touch(s.id);
      expect(touched?.lastSeenAt).toBe(rec.lastSeenAt + 30_000);
      expect(touched?.expiresAt).toBe(rec.expiresAt + 30);
      expect(touched?.createdAt).toBe(rec.createdAt);
      expect(await b.sessions.delete(s.id)).toBe(true);
      expect(await a.sessions.get(s.id)).toBeUndefined();
      expect(await a.sessions.touch(s.id)).toBeUndefined();
      expect(await a.sessions.get(s.id)).toBeUndefined();
      expect(await a.sessions.delete(s.id)).toBe(false);
    });

    it('an expired record reads as absent and touch does not revive it', async () => {
      const clock = testClock();
      const [a, b] = h.pair(cfgFor(), { now: clock.now });
      const s = newSession();
      await a.sessions.create(s);
      clock.advance(59_000);
      expect(await b.sessions.get(s.id)).toBeDefined();
      clock.advance(2_000);
      expect(await b.sessions.get(s.id)).toBeUndefined();
      expect(await b.sessions.touch(s.id)).toBeUndefined();
      expect(await a.sessions.get(s.id)).toBeUndefined();
    });

    it('update records a handshake on a live record (seen by every instance) and never revives a dead one', async () => {
      const clock = testClock();
      const [a, b] = h.pair(cfgFor(), { now: clock.now });
      const s = { ...newSession(), protocolVersion: '2024-11-05', clientCapabilities: {}, clientInfo: undefined };
      const rec = await a.sessions.create({ ...s, initialized: false });
      expect(rec.initialized).toBe(false);
      expect((await b.sessions.get(s.id))?.initialized).toBe(false);
      clock.advance(10_000);
      const handshake = {
        protocolVersion: '2025-03-26',
        clientCapabilities: { sampling: {}, 'odd key': [1, null] },
        clientInfo: { name: 'legacy-client', version: '2' },
        initialized: true,
      };
      const updated = await b.sessions.update(s.id, handshake);
      expect(updated).toMatchObject({ ...handshake, subject: 'alice', createdAt: rec.createdAt });
      expect(updated?.lastSeenAt).toBe(rec.lastSeenAt + 10_000);
      expect(await a.sessions.get(s.id)).toEqual(updated);
      // Fields the patch leaves out stay as they were.
      expect(await a.sessions.update(s.id, { protocolVersion: '2025-06-18' })).toMatchObject({
        ...handshake,
        protocolVersion: '2025-06-18',
      });
      expect(await a.sessions.update(newSessionId(), handshake)).toBeUndefined();
      expect(await a.sessions.get(s.id)).toBeDefined();
      clock.advance(61_000);
      expect(await b.sessions.update(s.id, handshake)).toBeUndefined();
      expect(await a.sessions.get(s.id)).toBeUndefined();
    });

    it('update records the log level a 2025 client set; a record without one has none', async () => {
      const [a, b] = h.pair(cfgFor());
      const s = await a.sessions.create({ ...newSession(), initialized: true });
      expect((await b.sessions.get(s.id))?.logLevel).toBeUndefined();
      expect(await b.sessions.update(s.id, { logLevel: 'error' })).toMatchObject({
        logLevel: 'error',
        subject: 'alice',
      });
      expect((await a.sessions.get(s.id))?.logLevel).toBe('error');
      // A later handshake patch keeps it.
      expect((await a.sessions.update(s.id, { protocolVersion: '2025-06-18' }))?.logLevel).toBe('error');
    });

    it('returned records are copies: mutating one does not change the store', async () => {
      const [a] = h.pair(cfgFor());
      const s = newSession();
      const rec = await a.sessions.create(s);
      rec.subject = 'mallory';
      (rec.clientCapabilities as Record<string, unknown>).sampling = {};
      const again = await a.sessions.get(s.id);
      expect(again?.subject).toBe('alice');
      expect(again?.clientCapabilities).not.toHaveProperty('sampling');
    });
  });

  describe(`${name}: events`, () => {
    it('appends with sortable ids that name their stream; replays one stream only, in order', async () => {
      const [a, b] = h.pair(cfgFor());
      const sid = newSessionId();
      const other = newSessionId();
      const ids: string[] = [];
      for (let i = 1; i <= 4; i++) {
        ids.push(await a.events.append(sid, 'standalone', note(i)));
        await a.events.append(sid, 'req-1', note(i, 'req'));
        await a.events.append(other, 'standalone', note(i, 'other'));
      }
      expect([...ids].sort()).toEqual(ids);
      expect(ids.map((id) => parseEventId(id))).toEqual(
        ids.map((_, i) => expect.objectContaining({ sessionId: sid, streamKey: 'standalone', seq: i + 1 })),
      );
      const batch = await b.events.readAfter(ids[1]!);
      expect(batch?.streamKey).toBe('standalone');
      expect(batch?.sessionId).toBe(sid);
      expect(batch?.events.map((e) => e.id)).toEqual(ids.slice(2));
      expect(batch?.events.map((e) => e.message)).toEqual([note(3), note(4)]);
      expect(batch?.cursor).toBe(ids[3]);
      const all = await b.events.readAfter(eventIdFor(sid, 'standalone', 0));
      expect(all?.events.map((e) => e.id)).toEqual(ids);
      const tail = await b.events.readAfter(ids[3]!);
      expect(tail?.events).toEqual([]);
      expect(tail?.cursor).toBe(ids[3]);
      expect(await b.events.head(sid, 'standalone')).toBe(ids[3]);
      expect(await b.events.head(sid, 'never-used')).toBe(eventIdFor(sid, 'never-used', 0));
    });

    it('rejects event ids that are not ours', async () => {
      const [a] = h.pair(cfgFor());
      for (const bad of ['', 'abc', '1', 'x.y.1', `${'A'.repeat(2000)}.eA.000000000001`, 'YQ.eA.00000000001']) {
        expect(await a.events.readAfter(bad)).toBeUndefined();
      }
    });

    it('two instances appending concurrently: every event exactly once, in one order, none lost by a live reader', async () => {
      const [a, b] = h.pair(cfgFor());
      const sid = newSessionId();
      const n = 30;
      const start = eventIdFor(sid, 'standalone', 0);
      // A reader that tails while the writers race must see exactly what a replay afterwards sees.
      const seen: string[] = [];
      const reading = (async () => {
        let cursor = start;
        while (seen.length < 2 * n) {
          const batch = await a.events.waitAfter(cursor, { timeoutMs: 5_000 });
          if (!batch || batch.events.length === 0) break;
          seen.push(...batch.events.map((e) => e.id));
          cursor = batch.cursor;
        }
      })();
      const writer = async (store: Stores, tag: string) => {
        for (let i = 0; i < n; i++) await store.events.append(sid, 'standalone', note(i, tag));
      };
      await Promise.all([writer(a, 'A'), writer(b, 'B')]);
      await reading;
      const replay = await b.events.readAfter(start);
      const events = replay?.events ?? [];
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 2 * n }, (_, i) => i + 1));
      expect(seen).toEqual(events.map((e) => e.id));
      const data = events.map((e) => (e.message as unknown as { params: { data: string } }).params.data);
      expect(new Set(data).size).toBe(2 * n);
      // Each writer's own events keep their order.
      for (const tag of ['A', 'B']) {
        expect(data.filter((d) => d.startsWith(`${tag}-`))).toEqual(Array.from({ length: n }, (_, i) => `${tag}-${i}`));
      }
    });

    it('waitAfter wakes for an append on the other instance and times out empty otherwise', async () => {
      const [a, b] = h.pair(cfgFor());
      const sid = newSessionId();
      const cursor = await b.events.head(sid, 'standalone');
      const t0 = Date.now();
      const empty = await b.events.waitAfter(cursor, { timeoutMs: 300 });
      expect(empty?.events).toEqual([]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      // Woken by the append, long before its own timeout (the latency itself is measured by npm run bench).
      const waiting = b.events.waitAfter(cursor, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      const sentAt = Date.now();
      await a.events.append(sid, 'standalone', note(1));
      const got = await waiting;
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(got?.events.map((e) => e.message)).toEqual([note(1)]);
    });
  });

  describe(`${name}: messages`, () => {
    it('publish/poll: ordered, with cursors, per channel', async () => {
      const [a, b] = h.pair(cfgFor());
      const ch = `sse:${newSessionId()}`;
      expect(await b.messages.head(ch)).toBe(0);
      expect(await a.messages.publish(ch, { n: 1 })).toBe(1);
      expect(await a.messages.publish(ch, { n: 2 })).toBe(2);
      await a.messages.publish(`${ch}-other`, { n: 'x' });
      expect(await a.messages.publish(ch, 'three')).toBe(3);
      const first = await b.messages.poll(ch, 0);
      expect(first).toEqual({
        messages: [
          { seq: 1, data: { n: 1 } },
          { seq: 2, data: { n: 2 } },
          { seq: 3, data: 'three' },
        ],
        cursor: 3,
      });
      expect(await b.messages.poll(ch, 2)).toEqual({ messages: [{ seq: 3, data: 'three' }], cursor: 3 });
      expect(await b.messages.poll(ch, 3)).toEqual({ messages: [], cursor: 3 });
      expect(await b.messages.head(ch)).toBe(3);
      await expect(a.messages.publish('#blob#x', 1)).rejects.toThrow(TypeError);
      await expect(a.messages.poll(ch, -1)).rejects.toThrow(RangeError);
    });

    it('waitFor on B receives a message published on A long before its timeout, even after idling', async () => {
      const [a, b] = h.pair(cfgFor());
      const ch = `sse:${newSessionId()}`;
      for (const idleMs of [50, 700]) {
        const cursor = await b.messages.head(ch);
        const waiting = b.messages.waitFor(ch, cursor, { timeoutMs: 20_000 });
        await new Promise((r) => setTimeout(r, idleMs));
        const sentAt = Date.now();
        await a.messages.publish(ch, { idleMs });
        const got = await waiting;
        expect(Date.now() - sentAt).toBeLessThan(10_000);
        expect(got.messages).toEqual([{ seq: cursor + 1, data: { idleMs } }]);
        expect(got.cursor).toBe(cursor + 1);
      }
    });

    it('waitFor ends empty on abort and on timeout', async () => {
      const [, b] = h.pair(cfgFor());
      const ch = `sse:${newSessionId()}`;
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = Date.now();
      expect(await b.messages.waitFor(ch, 0, { signal: ac.signal, timeoutMs: 20_000 })).toEqual({
        messages: [],
        cursor: 0,
      });
      expect(Date.now() - t0).toBeLessThan(10_000); // the abort ended it, not the timeout
      const already = new AbortController();
      already.abort();
      expect((await b.messages.waitFor(ch, 0, { signal: already.signal })).messages).toEqual([]);
      const t1 = Date.now();
      expect((await b.messages.waitFor(ch, 0, { timeoutMs: 200 })).messages).toEqual([]);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(190);
    });

    it('channel names that are Object.prototype keys, or "error", are channels like any other', async () => {
      const [a, b] = h.pair(cfgFor());
      for (const ch of ['error', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'newListener']) {
        const before = await b.messages.head(ch);
        expect(await a.messages.publish(ch, 'nobody waits'), ch).toBe(before + 1);
        const cursor = before + 1;
        const waiting = b.messages.waitFor(ch, cursor, { timeoutMs: 5_000 });
        expect(await a.messages.publish(ch, { ch }), ch).toBe(cursor + 1);
        expect((await waiting).messages, ch).toEqual([{ seq: cursor + 1, data: { ch } }]);
        expect(await b.messages.head(ch), ch).toBe(cursor + 1);
        const sid = newSessionId();
        const id = await a.events.append(sid, ch, note(1));
        expect(
          (await b.events.readAfter(eventIdFor(sid, ch, 0)))?.events.map((e) => e.id),
          ch,
        ).toEqual([id]);
      }
    });

    it('expired messages are skipped but the cursor moves past them', async () => {
      const clock = testClock();
      const [a, b] = h.pair(cfgFor(), { now: clock.now, logTtlSec: 10 });
      const ch = `c:${newSessionId()}`;
      await a.messages.publish(ch, 'old');
      clock.advance(11_000);
      await a.messages.publish(ch, 'new');
      expect(await b.messages.poll(ch, 0)).toEqual({ messages: [{ seq: 2, data: 'new' }], cursor: 2 });
    });
  });

  describe(`${name}: item size`, () => {
    it('rejects a message above maxMessageBytes with StoreItemTooLarge and writes nothing', async () => {
      const [a, b] = h.pair(cfgFor(), { maxMessageBytes: 50_000 });
      const ch = `c:${newSessionId()}`;
      const big = { text: 'é'.repeat(30_000) }; // 60 000 UTF-8 bytes, 30 000 UTF-16 units
      const err = await a.messages.publish(ch, big).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'StoreItemTooLarge', limit: 50_000 });
      expect((err as { bytes: number }).bytes).toBeGreaterThan(60_000);
      expect((err as Error).message).toMatch(/too large/);
      expect(await b.messages.head(ch)).toBe(0);
      const sid = newSessionId();
      await expect(a.events.append(sid, 's', note(0, 'é'.repeat(30_000)))).rejects.toMatchObject({
        name: 'StoreItemTooLarge',
      });
      expect(await b.events.head(sid, 's')).toBe(eventIdFor(sid, 's', 0));
    });

    it('stores and returns large messages intact (chunked where the backend needs it)', async () => {
      const [a, b] = h.pair(cfgFor(), { inlineMaxBytes: 10_000, chunkBytes: 4_000 });
      const ch = `c:${newSessionId()}`;
      const big = { text: `${'ab€😀'.repeat(5_000)}end` };
      await a.messages.publish(ch, 'small');
      await a.messages.publish(ch, big);
      await a.messages.publish(ch, 'after');
      const got = await b.messages.poll(ch, 0);
      expect(got.messages.map((m) => m.data)).toEqual(['small', big, 'after']);
      const sid = newSessionId();
      const msg = note(1, 'x'.repeat(25_000));
      const id = await a.events.append(sid, 's', msg);
      expect((await b.events.readAfter(eventIdFor(sid, 's', 0)))?.events).toEqual([{ id, seq: 1, message: msg }]);
    });
  });
}
