// One message-store channel fanned out to this instance's listeners: what StoreEventBus (list changes) and
// TaskStatusBus (task status) share. An event published here reaches local listeners at once and other
// instances through the store; the channel is followed only while this instance has a listener, and an
// instance skips its own events when they come back from the store.

import { randomUUID } from 'node:crypto';
import { followChannel, type MessageStore } from '../store/index.ts';
import { log } from '../telemetry/index.ts';

interface Envelope<E> {
  from: string;
  event: E;
}

/** Events of type `E` shared across instances on one channel of the message store. */
export class ChannelFanout<E> {
  private readonly listeners = new Set<(event: E) => void>();
  private readonly instance = randomUUID();
  private pump: AbortController | undefined;

  /** `label` names the events in the operational log lines ("<label> not shared", "<label> bus read failed"). */
  private readonly messages: MessageStore;
  private readonly channel: string;
  private readonly label: string;

  constructor(messages: MessageStore, channel: string, label: string) {
    this.messages = messages;
    this.channel = channel;
    this.label = label;
  }

  /**
   * Local listeners at once; other instances through the store. Never rejects: an event the store did not
   * take is missed by other instances only, and the log line records it.
   */
  publish(event: E): Promise<void> {
    this.deliver(event);
    const envelope: Envelope<E> = { from: this.instance, event };
    return this.messages
      .publish(this.channel, envelope)
      .then(() => undefined)
      .catch((err) => log.warn(`${this.label} not shared`, { error: err }));
  }

  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: (event: E) => void): () => void {
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

  private deliver(event: E): void {
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
        const env = data as Envelope<E> | undefined;
        if (env && env.from !== this.instance) this.deliver(env.event);
      },
      {
        signal: pump.signal,
        waitMs: 20_000,
        onError: (err) => log.warn(`${this.label} bus read failed; retrying`, { error: err }),
      },
    );
  }
}
