// A ServerEventBus over the shared message store, so that a change published on one instance reaches
// `subscriptions/listen` streams (2026-07-28) open on any other. Local listeners get events at once;
// remote ones through the store, polled only while this instance has a listener.
import { randomUUID } from 'node:crypto';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { MessageStore } from '../store/index.ts';

export const BUS_CHANNEL = 'server-events';

interface Envelope {
  from: string;
  event: ServerEvent;
}

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
    this.messages.publish(this.channel, envelope).catch((err) => {
      console.error(JSON.stringify({ level: 'WARN', message: 'server event not shared', error: String(err) }));
    });
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
      } catch {}
    }
  }

  private start(): void {
    const pump = new AbortController();
    this.pump = pump;
    void (async () => {
      let cursor = await this.messages.head(this.channel).catch(() => 0);
      while (!pump.signal.aborted) {
        const got = await this.messages
          .waitFor(this.channel, cursor, { signal: pump.signal, timeoutMs: 20_000 })
          .catch(() => undefined);
        if (!got) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        cursor = got.cursor;
        for (const m of got.messages) {
          const env = m.data as Envelope;
          if (env.from !== this.instance) this.deliver(env.event);
        }
      }
    })();
  }
}
