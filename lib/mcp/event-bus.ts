// A ServerEventBus over the shared message store, so that a change published on one instance reaches
// `subscriptions/listen` streams (2026-07-28) open on any other. Local listeners get events at once;
// remote ones through the store, followed only while this instance has a listener.

import { randomUUID } from 'node:crypto';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { followChannel, type MessageStore } from '../store/index.ts';
import { log } from '../telemetry/index.ts';

/** The message channel the bus shares events on. */
export const BUS_CHANNEL = 'server-events';

interface Envelope {
  from: string;
  event: ServerEvent;
}

const warn = (message: string, err: unknown) => log.warn(message, { error: err });

/** The SDK's ServerEventBus, shared across instances through the message store. */
export class StoreEventBus implements ServerEventBus {
  private readonly listeners = new Set<(event: ServerEvent) => void>();
  private readonly instance = randomUUID();
  private pump: AbortController | undefined;
  private readonly messages: MessageStore;
  private readonly channel: string;

  constructor(messages: MessageStore, channel = BUS_CHANNEL) {
    this.messages = messages;
    this.channel = channel;
  }

  publish(event: ServerEvent): void {
    this.deliver(event);
    const envelope: Envelope = { from: this.instance, event };
    // Local listeners already have it; other instances miss this one event, which the log line records.
    this.messages.publish(this.channel, envelope).catch((err) => warn('server event not shared', err));
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.pump) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.pump?.abort();
        this.pump = undefined;
      }
    };
  }

  private deliver(event: ServerEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A listener is one listen stream; its failure must not keep the event from the others.
      }
    }
  }

  private start(): void {
    const pump = new AbortController();
    this.pump = pump;
    followChannel(
      this.messages,
      this.channel,
      (data) => {
        const env = data as Envelope;
        if (env.from !== this.instance) this.deliver(env.event);
      },
      { signal: pump.signal, waitMs: 20_000, onError: (err) => warn('server event bus read failed; retrying', err) },
    );
  }
}
