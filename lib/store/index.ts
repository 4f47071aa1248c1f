// lib/store: the session, event and message stores behind one interface (types.ts), in memory or in
// DynamoDB, and the DynamoDB client and table routine the other rooms share. Nothing here loads the AWS
// SDK until a DynamoDB store, client or table is first used.

import type { Config, StoreConfig } from '../config.ts';
import type { DynamoStoreOptions } from './dynamodb.ts';
import type { DynamoClientOptions, StoreDynamo } from './dynamodb-client.ts';
import { memoryStores } from './memory.ts';
import type { Stores } from './types.ts';

export type { DynamoStoreOptions } from './dynamodb.ts';
export type { DynamoClientOptions, StoreDynamo } from './dynamodb-client.ts';
export type { TableDefinition, TableSpec } from './dynamodb-tables.ts';
export { SessionExistsError, StoreContentionError, StoreItemTooLarge, StoreUnavailableError } from './errors.ts';
export { type Following, type FollowOptions, followChannel, pause } from './follow.ts';
export { eventIdFor, newSessionId, type ParsedEventId, parseEventId } from './ids.ts';
export { DEFAULT_MAX_MESSAGE_BYTES } from './logs.ts';
export { createMemoryStores, memoryStores } from './memory.ts';
export type { StoreOptions } from './options.ts';
export type {
  ChannelMessage,
  EventBatch,
  EventLog,
  MessageStore,
  NewSession,
  PollResult,
  SessionPatch,
  SessionRecord,
  SessionStore,
  StoredEvent,
  Stores,
  WaitOptions,
} from './types.ts';

let sharedDynamo: Stores | undefined;

/**
 * The stores for this process, by cfg.store.kind. Both kinds are created once per process and reused,
 * so a warm Lambda instance keeps its client (and its connections) across invocations.
 * Options only apply on the first call.
 */
export function createStores(cfg: Config, options?: DynamoStoreOptions): Stores {
  if (cfg.store.kind === 'memory') return memoryStores(cfg, options);
  sharedDynamo ??= lazyStores(() => import('./dynamodb.ts').then((m) => m.createDynamoStores(cfg, options)));
  return sharedDynamo;
}

/**
 * Stores whose implementation loads on first use. The DynamoDB implementation pulls in the AWS SDK;
 * loading it on the first store call keeps it out of cold start (and out of the 401 and PRM paths).
 */
function lazyStores(load: () => Promise<Stores>): Stores {
  let loaded: Promise<Stores> | undefined;
  const get = () => (loaded ??= load());
  const part = <K extends 'sessions' | 'events' | 'messages'>(key: K): Stores[K] =>
    new Proxy({} as Stores[K], {
      get:
        (_target, method: string) =>
        async (...args: unknown[]) => {
          const impl = (await get())[key] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
          return impl[method]!(...args);
        },
    });
  return { kind: 'dynamodb', sessions: part('sessions'), events: part('events'), messages: part('messages') };
}

/** Creates the DynamoDB tables when missing (local host with STORE=dynamodb). Loads the AWS SDK. */
export async function ensureTables(
  cfg: Config,
  options?: Parameters<typeof import('./dynamodb-tables.ts').ensureTables>[1],
): Promise<Record<string, 'created' | 'existed'>> {
  return (await import('./dynamodb-tables.ts')).ensureTables(cfg, options);
}

/**
 * The one DynamoDB client of the stack (stores, audit sink, audit:verify): fail-fast timeouts, and dummy
 * credentials for a loopback emulator when no AWS credentials are configured. Loads the AWS SDK.
 */
export async function dynamoClient(store: StoreConfig, options?: DynamoClientOptions): Promise<StoreDynamo> {
  return (await import('./dynamodb-client.ts')).createDynamo(store, options);
}

/** Creates one table when missing and waits until it is ACTIVE (the audit table, say). Loads the AWS SDK. */
export async function ensureTable(
  store: StoreConfig,
  spec: import('./dynamodb-tables.ts').TableSpec,
  options: DynamoClientOptions & { waitMs?: number } = {},
): Promise<'created' | 'existed'> {
  const tables = await import('./dynamodb-tables.ts');
  const d = await dynamoClient(store, options);
  try {
    return await tables.ensureTable(d, spec, options.waitMs);
  } finally {
    d.raw.destroy();
  }
}
