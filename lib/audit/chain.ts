// The hash chain that makes a removed, edited or reordered audit record detectable.
//
// Each process keeps its own stream so concurrent instances never need to coordinate; a stream is
// totally ordered by `seq`. A chain cannot detect records cut from the END of a stream (nothing
// follows them); ship the logs somewhere append-only (CloudWatch Logs) for that.
import { canonicalJson, sha256Hex, stringifiesCanonically } from './canonical.ts';
import { AUDIT_MESSAGE, type AuditRecord, isAuditRecord } from './record.ts';

/** `prev` of the first record of every stream (64 zeros). */
export const GENESIS = '0'.repeat(64);

export interface ChainFields {
  stream: string;
  seq: number;
  prev: string;
  hash: string;
}

/** SHA-256 hex of prev + canonicalJson(record without `hash`). */
export function hashRecord<T extends { prev: string; hash?: string }>(record: T): string {
  const { hash: _ignored, ...rest } = record;
  return sha256Hex(record.prev + canonicalJson(rest));
}

/** A log stream id: one per process (Lambda execution environment). */
export function newStreamId(hint?: string): string {
  const id = crypto.randomUUID().slice(0, 8);
  return hint ? `${hint}#${id}` : `${process.pid}#${id}`;
}

export interface Chain {
  readonly stream: string;
  /** Attaches the chain fields. Call in emission order: the stream order IS the call order. */
  link<T extends object>(record: T): T & ChainFields;
  /**
   * link() for a record that is already a fresh tree of JSON values held by no one else (what redaction
   * returns): no JSON round trip, the chain fields are set on the record itself, and its JSON line (no newline)
   * comes back with it. A value with no JSON form (NaN, a bigint) falls back to link(), so what is hashed is
   * always exactly what a sink writes. `canonicalOf` may give the linked record's members as an object whose
   * native JSON is its canonical form (build.ts canonicalView): when stringifiesCanonically() confirms it, that
   * is hashed instead of sorting the record with canonicalJson.
   */
  seal<T extends object>(record: T, canonicalOf?: (linked: T & ChainFields) => object | undefined): Sealed<T>;
}

export interface Sealed<T> {
  record: T & ChainFields;
  /** JSON.stringify(record): its members in the record's own order, `hash` last. */
  line: string;
  /** True when the hashed text came from canonicalOf (no sort), false when canonicalJson made it. */
  viaView: boolean;
}

/** A chain whose link(record) attaches stream, seq, prev and hash. */
export function createChain(stream: string = newStreamId()): Chain {
  let seq = 0;
  let prev = GENESIS;
  const attach = <T extends object>(plain: T & { hash?: string }): T & ChainFields => {
    const linked = { ...plain, stream, seq, prev } as T & ChainFields;
    delete (linked as { hash?: string }).hash;
    // hashRecord(linked) without its copy: linked has no `hash` member yet.
    linked.hash = sha256Hex(prev + canonicalJson(linked));
    seq += 1;
    prev = linked.hash;
    return linked;
  };
  const link = <T extends object>(record: T): T & ChainFields =>
    // Round-trip through JSON so that what is hashed is exactly what any sink will write back.
    attach(JSON.parse(JSON.stringify(record)) as T);
  const seal = <T extends object>(
    record: T,
    canonicalOf?: (linked: T & ChainFields) => object | undefined,
  ): Sealed<T> => {
    const roundTrip = (): Sealed<T> => {
      const copy = link(record);
      return { record: copy, line: JSON.stringify(copy), viaView: false };
    };
    if (Object.hasOwn(record, 'hash')) return roundTrip();
    const linked = record as T & ChainFields;
    linked.stream = stream;
    linked.seq = seq;
    linked.prev = prev;
    const view = canonicalOf?.(linked);
    const viaView = view !== undefined && stringifiesCanonically(view);
    let body: string;
    try {
      body = viaView ? JSON.stringify(view) : canonicalJson(linked);
    } catch {
      // canonicalJson refused a value (seq has not moved): the round trip turns it into null.
      return roundTrip();
    }
    linked.hash = sha256Hex(prev + body);
    seq += 1;
    prev = linked.hash;
    return { record: linked, line: JSON.stringify(linked), viaView };
  };
  return {
    stream,
    link,
    seal,
  };
}

export type BreakReason = 'edited' | 'removed' | 'reordered' | 'duplicated' | 'malformed';

export interface ChainOk {
  ok: true;
  records: number;
  streams: number;
}

export interface ChainBreak {
  ok: false;
  /** 1-based line number (files) or the label given to verifyEntries. */
  line: number | string;
  reason: BreakReason;
  stream?: string;
  seq?: number;
  detail: string;
}

export interface VerifyOptions {
  /** Accept a stream whose first record present is not seq 0 (an excerpt of a longer log). */
  partial?: boolean;
}

export interface Entry {
  line: number | string;
  record: AuditRecord;
}

/** Verifies JSON lines (the first broken link, or ok); lines that are not audit records are ignored. */
export function verifyChain(input: string | string[], opts: VerifyOptions = {}): ChainOk | ChainBreak {
  const lines = typeof input === 'string' ? input.split('\n') : input;
  const entries: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (text.includes(`"message":"${AUDIT_MESSAGE}"`)) {
        return { ok: false, line: i + 1, reason: 'malformed', detail: 'audit record is not valid JSON (truncated?)' };
      }
      continue;
    }
    if (isAuditRecord(parsed)) {
      entries.push({ line: i + 1, record: parsed });
    } else if (looksLikeBrokenRecord(parsed)) {
      return { ok: false, line: i + 1, reason: 'malformed', detail: 'audit record lacks its chain fields' };
    }
  }
  return verifyEntries(entries, opts);
}

function looksLikeBrokenRecord(v: unknown): boolean {
  return (
    typeof v === 'object' && v !== null && (v as Record<string, unknown>).message === AUDIT_MESSAGE && 'schema' in v
  );
}

interface StreamState {
  expected: number;
  prev: string;
  lastLine: number | string | undefined;
  seen: Map<number, string>;
}

/** verifyChain over records already parsed (a DynamoDB scan); `line` is any position label. */
export function verifyEntries(entries: Entry[], opts: VerifyOptions = {}): ChainOk | ChainBreak {
  // Which seqs occur later per stream: tells "reordered" (it shows up further down) from "removed".
  const remaining = new Map<string, Map<number, number>>();
  for (const { record } of entries) {
    const m = remaining.get(record.stream) ?? new Map<number, number>();
    m.set(record.seq, (m.get(record.seq) ?? 0) + 1);
    remaining.set(record.stream, m);
  }
  const states = new Map<string, StreamState>();
  for (const { line, record } of entries) {
    const left = remaining.get(record.stream)!;
    left.set(record.seq, left.get(record.seq)! - 1);
    const at = { line, stream: record.stream, seq: record.seq };
    if (!Number.isInteger(record.seq) || record.seq < 0 || typeof record.prev !== 'string') {
      return { ok: false, ...at, reason: 'malformed', detail: 'seq or prev is not valid' };
    }
    if (hashRecord(record) !== record.hash) {
      return { ok: false, ...at, reason: 'edited', detail: `record content does not match its hash (line ${line})` };
    }
    let state = states.get(record.stream);
    if (!state) {
      state = { expected: 0, prev: GENESIS, lastLine: undefined, seen: new Map() };
      if (opts.partial && record.seq > 0) state = { ...state, expected: record.seq, prev: record.prev };
      states.set(record.stream, state);
    }
    if (record.seq < state.expected) {
      const dup = state.seen.get(record.seq) === record.hash;
      return {
        ok: false,
        ...at,
        reason: dup ? 'duplicated' : 'reordered',
        detail: dup
          ? `seq ${record.seq} appears twice`
          : `seq ${record.seq} appears after seq ${state.expected - 1} (line ${state.lastLine})`,
      };
    }
    if (record.seq > state.expected) {
      if ((left.get(state.expected) ?? 0) > 0) {
        return {
          ok: false,
          ...at,
          reason: 'reordered',
          detail: `seq ${record.seq} appears before seq ${state.expected}, which comes later`,
        };
      }
      const missing =
        record.seq - state.expected === 1 ? `seq ${state.expected}` : `seq ${state.expected}..${record.seq - 1}`;
      const where = state.lastLine === undefined ? 'at the start of the stream' : `after line ${state.lastLine}`;
      return { ok: false, ...at, reason: 'removed', detail: `${missing} removed ${where}, before line ${line}` };
    }
    if (record.prev !== state.prev) {
      const detail =
        state.lastLine === undefined
          ? 'first record of the stream does not chain from genesis'
          : `prev does not match the hash of line ${state.lastLine} (one of the two was altered)`;
      return { ok: false, ...at, reason: 'edited', detail };
    }
    state.seen.set(record.seq, record.hash);
    state.expected = record.seq + 1;
    state.prev = record.hash;
    state.lastLine = line;
  }
  return { ok: true, records: entries.length, streams: states.size };
}
