// The store interfaces that lib/mcp builds on. Two implementations exist (memory.ts, dynamodb.ts);
// the contract tests in tests/*/store run the same suite against both.
//
// - SessionStore: one record per 2025-era MCP session (or legacy SSE session), read by any instance.
// - EventLog: per-stream ordered events for Streamable HTTP resumability (`Last-Event-ID`).
// - MessageStore: per-channel ordered messages (legacy SSE replies, cross-instance notifications).
// Both logs hand out dense, per-key sequence numbers: entry n+1 is only ever written after entry n
// exists, so a reader that has seen everything up to n can never later miss an entry below n.

import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/** A session record. Times: createdAt/lastSeenAt in epoch ms; expiresAt in epoch seconds (the TTL attribute). */
export interface SessionRecord {
  /** 32 random bytes, base64url (see newSessionId). */
  id: string;
  /** The token `sub` that created the session; only that subject may use it. */
  subject: string;
  /** The token's client id (`client_id`/`azp`), when it has one. */
  clientId: string | undefined;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
  /**
   * True once the client's `initialize` is recorded here (version, capabilities, client info), so any
   * instance can replay it. A 2025 session is created by its initialize; a legacy SSE session is created
   * by GET /sse and initialized by a later POST (SessionStore.update).
   */
  initialized: boolean;
  /** The level the client last set with `logging/setLevel`, replayed on every exchange; absent = none set. */
  logLevel?: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export type NewSession = Omit<SessionRecord, 'createdAt' | 'lastSeenAt' | 'expiresAt'>;

/** What SessionStore.update may change: the recorded handshake and log level. */
export type SessionPatch = Partial<
  Pick<SessionRecord, 'protocolVersion' | 'clientCapabilities' | 'clientInfo' | 'initialized' | 'logLevel'>
>;

export interface SessionStore {
  /** Writes a new record; throws SessionExistsError when the id is taken. */
  create(session: NewSession): Promise<SessionRecord>;
  /** The live record, or undefined when unknown, deleted or past expiresAt (even before the TTL sweeper ran). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Sets lastSeenAt to now and extends expiresAt by the TTL; undefined (and no write) when not live. */
  touch(id: string): Promise<SessionRecord | undefined>;
  /** Applies `patch` and touches the record; undefined (and no write) when not live. */
  update(id: string, patch: SessionPatch): Promise<SessionRecord | undefined>;
  /** Deletes the record; true when a live record was deleted. */
  delete(id: string): Promise<boolean>;
}

export interface WaitOptions {
  /** Stop waiting (resolves with an empty batch) when this aborts. */
  signal?: AbortSignal | undefined;
  /** Resolve with an empty batch after this long (default 25 000 ms). */
  timeoutMs?: number | undefined;
}

export interface StoredEvent {
  /** The SSE event id: encodes session, stream key and sequence (see ids.ts). */
  id: string;
  seq: number;
  message: JSONRPCMessage;
}

export interface EventBatch {
  sessionId: string;
  streamKey: string;
  /** Events after the requested id, in order. */
  events: StoredEvent[];
  /** Where the next read should continue: the id of the last event, or the requested id when none. */
  cursor: string;
}

export interface EventLog {
  /** Appends a message to the stream (sessionId, streamKey) and returns its event id. */
  append(sessionId: string, streamKey: string, message: JSONRPCMessage): Promise<string>;
  /**
   * Events of the stream that `eventId` names, after it, in order.
   * `eventId` may be a real event id or a cursor from streamStart/head. Undefined when it does not parse.
   */
  readAfter(eventId: string): Promise<EventBatch | undefined>;
  /** Like readAfter, but waits until at least one event exists (or the wait ends, giving an empty batch). */
  waitAfter(eventId: string, options?: WaitOptions): Promise<EventBatch | undefined>;
  /** A cursor for "from the newest event on": reading after it yields only events appended later. */
  head(sessionId: string, streamKey: string): Promise<string>;
}

export interface ChannelMessage {
  seq: number;
  data: unknown;
}

export interface PollResult {
  /** New messages, in publish order. */
  messages: ChannelMessage[];
  /** Pass to the next poll/waitFor: the last seq seen (or the given cursor when none). */
  cursor: number;
}

export interface MessageStore {
  /** Publishes a JSON-serialisable value on the channel; returns its sequence number (1, 2, ...). */
  publish(channel: string, data: unknown): Promise<number>;
  /** Messages after `after` (0 = from the start), in order. */
  poll(channel: string, after: number): Promise<PollResult>;
  /** Like poll, but waits until at least one message exists (or the wait ends, giving no messages). */
  waitFor(channel: string, after: number, options?: WaitOptions): Promise<PollResult>;
  /** The newest sequence number on the channel (0 when empty): a cursor for "only new messages". */
  head(channel: string): Promise<number>;
}

export interface Stores {
  kind: 'memory' | 'dynamodb';
  sessions: SessionStore;
  events: EventLog;
  messages: MessageStore;
}

/** One entry of an append-only, per-key log: the primitive both EventLog and MessageStore sit on. */
export interface LogEntry {
  seq: number;
  body: string;
}

export interface LogRead {
  entries: LogEntry[];
  /** The highest seq looked at (including expired entries that were skipped), or the given seq. */
  last: number;
}

export interface AppendLog {
  append(key: string, body: string): Promise<number>;
  after(key: string, seq: number): Promise<LogRead>;
  wait(key: string, seq: number, options: WaitOptions): Promise<LogRead>;
  head(key: string): Promise<number>;
}
