// The façade's state: registered clients, pending authorizations (before consent), upstream flows (after consent,
// keyed by the upstream `state`), authorization codes and refresh tokens (keyed by their SHA-256), and token families
// (one per code exchange; deleting it revokes every refresh token of that login). Every record has a
// TTL; readers treat expired records as absent (DynamoDB's TTL sweeper may lag by days).

/** The kinds of records, each its own key space. */
export type RecordKind = 'client' | 'pending' | 'flow' | 'code' | 'refresh' | 'family';

/** What consuming a single-use record found. */
export type Consumed<T> = { state: 'first'; data: T } | { state: 'replayed'; data: T } | { state: 'absent' };

/** Shared by the memory and DynamoDB implementations. */
export interface FacadeStore {
  /** Writes a new record; throws when one with that key exists (ids are random: a clash is a bug). */
  create(kind: RecordKind, id: string, data: object, ttlSec: number): Promise<void>;
  get<T>(kind: RecordKind, id: string): Promise<T | undefined>;
  /** Reads and deletes in one step: exactly one caller gets the record. */
  take<T>(kind: RecordKind, id: string): Promise<T | undefined>;
  /** Marks a record used in one step, keeping it until its TTL: the first caller gets 'first', later ones 'replayed'. */
  consume<T>(kind: RecordKind, id: string): Promise<Consumed<T>>;
}

/**
 * Ids come from callers (client_id, state, the consent request id): longer ones are absent without a lookup, so
 * an oversized key never reaches DynamoDB (whose key limit would turn it into an error, not a refusal).
 */
export const MAX_ID_LENGTH = 512;

/** Whether an id can name a record at all. Pure. */
export function usableId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH;
}

/** Epoch seconds `ttlSec` from now. */
export function expiry(ttlSec: number, now = Date.now()): number {
  return Math.floor(now / 1000) + ttlSec;
}

/** Whether a record with this expiry is gone. Pure. */
export function expired(expiresAt: number, now = Date.now()): boolean {
  return expiresAt <= Math.floor(now / 1000);
}

/** The memory store (STORE=memory): one Map per process, prototype-safe keys. */
export function memoryFacadeStore(): FacadeStore {
  const items = new Map<string, { data: string; expiresAt: number; used: boolean }>();
  const live = (key: string) => {
    const item = items.get(key);
    if (item && expired(item.expiresAt)) {
      items.delete(key);
      return undefined;
    }
    return item;
  };
  return {
    async create(kind, id, data, ttlSec) {
      const key = `${kind}#${id}`;
      if (live(key)) throw new Error(`record ${kind} exists`);
      items.set(key, { data: JSON.stringify(data), expiresAt: expiry(ttlSec), used: false });
    },
    async get(kind, id) {
      if (!usableId(id)) return undefined;
      const item = live(`${kind}#${id}`);
      return item ? JSON.parse(item.data) : undefined;
    },
    async take(kind, id) {
      if (!usableId(id)) return undefined;
      const key = `${kind}#${id}`;
      const item = live(key);
      items.delete(key);
      return item ? JSON.parse(item.data) : undefined;
    },
    async consume(kind, id) {
      if (!usableId(id)) return { state: 'absent' };
      const item = live(`${kind}#${id}`);
      if (!item) return { state: 'absent' };
      const state = item.used ? 'replayed' : 'first';
      item.used = true;
      return { state, data: JSON.parse(item.data) };
    },
  };
}
