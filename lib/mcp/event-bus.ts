// A ServerEventBus over the shared message store, so that a change published on one instance reaches
// `subscriptions/listen` streams (2026-07-28) open on any other. Local listeners get events at once;
// remote ones through the store, followed only while this instance has a listener.

import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { MessageStore } from '../store/index.ts';
import { ChannelFanout } from './channel-fanout.ts';

/** The message channel the bus shares events on. */
export const BUS_CHANNEL = 'server-events';

/** The SDK's ServerEventBus, shared across instances through the message store. */
export class StoreEventBus implements ServerEventBus {
  private readonly fanout: ChannelFanout<ServerEvent>;

  constructor(messages: MessageStore, channel = BUS_CHANNEL) {
    this.fanout = new ChannelFanout(messages, channel, 'server event');
  }

  publish(event: ServerEvent): void {
    void this.fanout.publish(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.fanout.subscribe(listener);
  }
}
