// EventLog and MessageStore over any AppendLog (memory or DynamoDB): id encoding, JSON (de)serialisation
// and the size bound live here once, so both implementations behave the same.

import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { StoreItemTooLarge } from './errors.ts';
import { assertChannel, eventIdFor, parseEventId, streamLogKey } from './ids.ts';
import type { AppendLog, EventBatch, EventLog, LogRead, MessageStore, PollResult, WaitOptions } from './types.ts';

/** Default bound on one serialised message (events and channel messages). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function serialise(data: unknown, maxBytes: number): string {
  const body = JSON.stringify(data);
  if (body === undefined) throw new TypeError('Store messages must be JSON-serialisable values');
  // UTF-16 length bounds the UTF-8 length from below (and 3x from above): skip the exact count when clearly fine.
  if (body.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > maxBytes) throw new StoreItemTooLarge(bytes, maxBytes);
  }
  return body;
}

/** An EventLog (per-stream SSE events with resumable ids) over an AppendLog. */
export function createEventLog(log: AppendLog, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): EventLog {
  const toBatch = (p: { sessionId: string; streamKey: string; seq: number }, read: LogRead): EventBatch => {
    const events = read.entries.map((e) => ({
      id: eventIdFor(p.sessionId, p.streamKey, e.seq),
      seq: e.seq,
      message: JSON.parse(e.body) as JSONRPCMessage,
    }));
    return {
      sessionId: p.sessionId,
      streamKey: p.streamKey,
      events,
      cursor: eventIdFor(p.sessionId, p.streamKey, read.last),
    };
  };
  return {
    async append(sessionId, streamKey, message) {
      const seq = await log.append(streamLogKey(sessionId, streamKey), serialise(message, maxMessageBytes));
      return eventIdFor(sessionId, streamKey, seq);
    },
    async readAfter(eventId) {
      const p = parseEventId(eventId);
      if (!p) return undefined;
      return toBatch(p, await log.after(p.streamLogKey, p.seq));
    },
    async waitAfter(eventId, options?: WaitOptions) {
      const p = parseEventId(eventId);
      if (!p) return undefined;
      return toBatch(p, await log.wait(p.streamLogKey, p.seq, options ?? {}));
    },
    async head(sessionId, streamKey) {
      return eventIdFor(sessionId, streamKey, await log.head(streamLogKey(sessionId, streamKey)));
    },
  };
}

/** A MessageStore (per-channel messages) over an AppendLog. */
export function createMessageStore(log: AppendLog, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): MessageStore {
  const toResult = (read: LogRead): PollResult => ({
    messages: read.entries.map((e) => ({ seq: e.seq, data: JSON.parse(e.body) as unknown })),
    cursor: read.last,
  });
  const checkCursor = (after: number) => {
    if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`Invalid cursor ${after}`);
  };
  return {
    async publish(channel, data) {
      assertChannel(channel);
      return log.append(channel, serialise(data, maxMessageBytes));
    },
    async poll(channel, after) {
      assertChannel(channel);
      checkCursor(after);
      return toResult(await log.after(channel, after));
    },
    async waitFor(channel, after, options?: WaitOptions) {
      assertChannel(channel);
      checkCursor(after);
      return toResult(await log.wait(channel, after, options ?? {}));
    },
    async head(channel) {
      assertChannel(channel);
      return log.head(channel);
    },
  };
}
