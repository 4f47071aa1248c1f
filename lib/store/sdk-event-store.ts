// The SDK v2 `EventStore` for one session, over our EventLog. The SDK names streams per transport
// ('_GET_stream' for the standalone GET stream, a UUID per POST stream), not per session, so the
// adapter is bound to a session id and scopes every stream to it. A Last-Event-ID that belongs to
// another session parses fine but is refused: it would otherwise replay someone else's stream.

import type { EventStore } from '@modelcontextprotocol/server';
import { parseEventId } from './ids.ts';
import type { EventLog } from './types.ts';

/** Pure: whether a message is the SDK's priming event (`{}`), which has nothing to replay. */
export function isPrimingMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && Object.keys(message).length === 0;
}

export function sessionEventStore(events: EventLog, sessionId: string): EventStore {
  const ownStream = (eventId: string) => {
    const p = parseEventId(eventId);
    return p && p.sessionId === sessionId ? p : undefined;
  };
  return {
    storeEvent(streamId, message) {
      return events.append(sessionId, streamId, message);
    },
    async getStreamIdForEventId(eventId) {
      return ownStream(eventId)?.streamKey;
    },
    async replayEventsAfter(lastEventId, { send }) {
      if (!ownStream(lastEventId)) throw new Error('Unknown event id');
      const batch = await events.readAfter(lastEventId);
      if (!batch) throw new Error('Unknown event id');
      for (const e of batch.events) {
        if (!isPrimingMessage(e.message)) await send(e.id, e.message);
      }
      return batch.streamKey;
    },
  };
}
