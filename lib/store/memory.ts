// The in-memory stores: the embedded default for the local host. One set per process (memoryStores),
// so a warm instance shares sessions, events and messages across requests; waiters wake at once.
// Not shared between processes: two local hosts that must act as two instances need STORE=dynamodb.

import type { Config } from '../config.ts';
import { SessionExistsError } from './errors.ts';
import { createEventLog, createMessageStore } from './logs.ts';
import { epochSec, isLive, type ResolvedStoreOptions, resolveStoreOptions, type StoreOptions } from './options.ts';
import type { AppendLog, LogRead, SessionRecord, SessionStore, Stores } from './types.ts';
import { waitLoop } from './wait.ts';
import { createWakers } from './wakers.ts';

interface MemoryEntry {
  seq: number;
  body: string;
  expiresAt: number;
}

interface MemoryLogKey {
  seq: number;
  entries: MemoryEntry[];
}

const SWEEP_EVERY = 1000;

function createMemoryAppendLog(o: ResolvedStoreOptions): AppendLog {
  const keys = new Map<string, MemoryLogKey>();
  const wakers = createWakers();
  let writes = 0;

  const dropExpired = (k: MemoryLogKey, now: number) => {
    let i = 0;
    while (i < k.entries.length && !isLive(k.entries[i]!.expiresAt, now)) i++;
    if (i > 0) k.entries.splice(0, i);
  };
  const sweep = (now: number) => {
    for (const [key, k] of keys) {
      dropExpired(k, now);
      if (k.entries.length === 0) keys.delete(key);
    }
  };
  const after = (key: string, seq: number): LogRead => {
    const k = keys.get(key);
    if (!k) return { entries: [], last: seq };
    // A key swept after all its entries expired restarts at 1; a cursor from before that reads from the start.
    const from = k.seq < seq ? 0 : seq;
    const now = o.now();
    const entries = k.entries
      .filter((e) => e.seq > from && isLive(e.expiresAt, now))
      .map(({ seq, body }) => ({ seq, body }));
    return { entries, last: entries.at(-1)?.seq ?? Math.min(seq, k.seq) };
  };

  return {
    async append(key, body) {
      const now = o.now();
      if (++writes % SWEEP_EVERY === 0) sweep(now);
      let k = keys.get(key);
      if (!k) {
        k = { seq: 0, entries: [] };
        keys.set(key, k);
      }
      dropExpired(k, now);
      const seq = ++k.seq;
      k.entries.push({ seq, body, expiresAt: epochSec(now) + o.logTtlSec });
      wakers.wake(key);
      return seq;
    },
    async after(key, seq) {
      return after(key, seq);
    },
    wait(key, seq, options) {
      return waitLoop(
        {
          check: async () => after(key, seq),
          found: (r) => r.entries.length > 0,
          subscribe: (wake) => wakers.subscribe(key, wake),
          schedule: undefined,
        },
        options,
      );
    },
    async head(key) {
      return keys.get(key)?.seq ?? 0;
    },
  };
}

function createMemorySessionStore(o: ResolvedStoreOptions): SessionStore {
  const records = new Map<string, SessionRecord>();
  let writes = 0;
  const live = (id: string): SessionRecord | undefined => {
    const r = records.get(id);
    if (r && !isLive(r.expiresAt, o.now())) {
      records.delete(id);
      return undefined;
    }
    return r;
  };
  return {
    async create(session) {
      const now = o.now();
      if (++writes % SWEEP_EVERY === 0) for (const id of records.keys()) live(id);
      if (records.has(session.id)) throw new SessionExistsError();
      const record: SessionRecord = {
        ...structuredClone(session),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: epochSec(now) + o.sessionTtlSec,
      };
      records.set(record.id, record);
      return structuredClone(record);
    },
    async get(id) {
      const r = live(id);
      return r && structuredClone(r);
    },
    async touch(id) {
      const r = live(id);
      if (!r) return undefined;
      const now = o.now();
      r.lastSeenAt = now;
      r.expiresAt = epochSec(now) + o.sessionTtlSec;
      return structuredClone(r);
    },
    async update(id, patch) {
      const r = live(id);
      if (!r) return undefined;
      const now = o.now();
      const copy = structuredClone(patch);
      if (copy.protocolVersion !== undefined) r.protocolVersion = copy.protocolVersion;
      if (copy.clientCapabilities !== undefined) r.clientCapabilities = copy.clientCapabilities;
      if (copy.clientInfo !== undefined) r.clientInfo = copy.clientInfo;
      if (copy.initialized !== undefined) r.initialized = copy.initialized;
      if (copy.logLevel !== undefined) r.logLevel = copy.logLevel;
      r.lastSeenAt = now;
      r.expiresAt = epochSec(now) + o.sessionTtlSec;
      return structuredClone(r);
    },
    async delete(id) {
      const existed = live(id) !== undefined;
      records.delete(id);
      return existed;
    },
  };
}

/** A fresh, private set of in-memory stores (tests; embedding several servers in one process). */
export function createMemoryStores(cfg: Config, options?: StoreOptions): Stores {
  const o = resolveStoreOptions(cfg.store, options);
  return {
    kind: 'memory',
    sessions: createMemorySessionStore(o),
    events: createEventLog(createMemoryAppendLog(o), o.maxMessageBytes),
    messages: createMessageStore(createMemoryAppendLog(o), o.maxMessageBytes),
  };
}

let shared: Stores | undefined;

/** The process-wide in-memory stores; created on first use with that call's config (later configs are ignored). */
export function memoryStores(cfg: Config, options?: StoreOptions): Stores {
  shared ??= createMemoryStores(cfg, options);
  return shared;
}
