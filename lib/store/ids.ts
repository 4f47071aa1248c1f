// Identifiers: session ids, and SSE event ids that carry their own stream.
//
// Event id = `<b64url(sessionId)>.<b64url(streamKey)>.<seq, 12 digits>`. `Last-Event-ID` alone therefore
// names the session, the stream and the position, so any instance can resume it; ids of one stream sort
// lexicographically in append order. The part before the last dot is the log key of the stream.

import { randomBytes } from 'node:crypto';

/** A new session id: 32 bytes from the CSPRNG, base64url (43 chars, visible ASCII as Mcp-Session-Id requires). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

const SEQ_DIGITS = 12;
const MAX_EVENT_ID_CHARS = 1024;
const EVENT_ID = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.(\d{12})$/;

export interface ParsedEventId {
  sessionId: string;
  streamKey: string;
  seq: number;
  /** The log key of the stream (shared by all its event ids). */
  streamLogKey: string;
}

function b64u(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

/** The log key for a stream: unambiguous for any session id and stream key. */
export function streamLogKey(sessionId: string, streamKey: string): string {
  if (!sessionId) throw new TypeError('sessionId must not be empty');
  return `${b64u(sessionId)}.${b64u(streamKey)}`;
}

/** The event id of position `seq` (0 = before the first event) in a stream. */
export function eventIdFor(sessionId: string, streamKey: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 10 ** SEQ_DIGITS) throw new RangeError(`bad seq ${seq}`);
  return `${streamLogKey(sessionId, streamKey)}.${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/** Parses an event id; undefined for anything that is not exactly one of ours (never throws on client input). */
export function parseEventId(eventId: string): ParsedEventId | undefined {
  if (typeof eventId !== 'string' || eventId.length > MAX_EVENT_ID_CHARS) return undefined;
  const m = EVENT_ID.exec(eventId);
  if (!m) return undefined;
  const sessionId = Buffer.from(m[1]!, 'base64url').toString('utf8');
  const streamKey = Buffer.from(m[2]!, 'base64url').toString('utf8');
  // Reject non-canonical encodings so that one stream has exactly one key.
  if (!sessionId || `${b64u(sessionId)}.${b64u(streamKey)}` !== `${m[1]}.${m[2]}`) return undefined;
  return { sessionId, streamKey, seq: Number(m[3]), streamLogKey: `${m[1]}.${m[2]}` };
}

/** Channel names are caller-chosen; keys starting with '#' are reserved for internal items (blob chunks). */
export function assertChannel(channel: string): void {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 512 || channel.startsWith('#')) {
    throw new TypeError(`Invalid channel name: must be 1-512 chars and not start with '#'`);
  }
}
