// The DynamoDB stores: shared by every instance, so any instance can serve any session.

import type { Config } from '../config.ts';
import { createDynamo, type DynamoClientOptions } from './dynamodb-client.ts';
import { createDynamoAppendLog, type DynamoLogOptions } from './dynamodb-log.ts';
import { createDynamoSessionStore } from './dynamodb-sessions.ts';
import { createEventLog, createMessageStore } from './logs.ts';
import { resolveStoreOptions, type StoreOptions } from './options.ts';
import type { Stores } from './types.ts';

export type DynamoStoreOptions = StoreOptions & DynamoClientOptions & DynamoLogOptions;

/** New DynamoDB stores with their own client. The tables must exist (template.yaml, or ensureTables locally). */
export function createDynamoStores(cfg: Config, options: DynamoStoreOptions = {}): Stores & { close(): void } {
  const o = resolveStoreOptions(cfg.store, options);
  const d = createDynamo(cfg.store, options);
  return {
    kind: 'dynamodb',
    sessions: createDynamoSessionStore(d, cfg.store.sessionsTable, o),
    events: createEventLog(createDynamoAppendLog(d, cfg.store.eventsTable, 'stream', o, options), o.maxMessageBytes),
    messages: createMessageStore(
      createDynamoAppendLog(d, cfg.store.messagesTable, 'channel', o, options),
      o.maxMessageBytes,
    ),
    close: () => d.raw.destroy(),
  };
}
