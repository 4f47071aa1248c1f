// The DynamoDB table shapes. template.yaml declares the same tables; a test can compare them with
// tableDefinitions() so the two never drift. All tables are on-demand with TTL on `expiresAt` (epoch s);
// readers also treat expired items as absent, since the TTL sweeper may lag by days.
//
//   Sessions  PK id (S)
//             subject S, clientId S?, protocolVersion S, clientCapabilities S (JSON), clientInfo S? (JSON),
//             initialized BOOL, logLevel S?, createdAt N (ms), lastSeenAt N (ms), expiresAt N (s, TTL)
//   Events    PK stream (S) = b64url(sessionId).b64url(streamKey)   SK seq (N) = 1, 2, 3 ... per stream
//             body S (JSON) | blob S + chunks N + bytes N, createdAt N (ms), expiresAt N (s, TTL)
//   Messages  PK channel (S)   SK seq (N) = 1, 2, 3 ... per channel; attributes as Events
//   Large bodies (over the inline bound) live as chunk items in the same table under
//   PK '#blob#<uuid>', SK seq = 1..chunks, data B; they are written before the item that points at them.

import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.ts';
import { createDynamo, type DynamoClientOptions, errorName, type StoreDynamo, storeCall } from './dynamodb-client.ts';
import { StoreUnavailableError } from './errors.ts';

const TTL_ATTRIBUTE = 'expiresAt';

type KeySchema = { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];

/** A table in CreateTable shape plus the name of its TTL attribute: what ensureTable creates. */
export interface TableSpec {
  TableName: string;
  KeySchema: KeySchema;
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' }[];
  GlobalSecondaryIndexes?: { IndexName: string; KeySchema: KeySchema; Projection: { ProjectionType: 'ALL' } }[];
  BillingMode: 'PAY_PER_REQUEST';
  ttlAttribute: string;
}

/** One of the store's tables. */
export interface TableDefinition extends TableSpec {
  purpose: 'sessions' | 'events' | 'messages';
}

function logTable(purpose: 'events' | 'messages', name: string, hashKey: string): TableDefinition {
  return {
    purpose,
    TableName: name,
    KeySchema: [
      { AttributeName: hashKey, KeyType: 'HASH' },
      { AttributeName: 'seq', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: hashKey, AttributeType: 'S' },
      { AttributeName: 'seq', AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    ttlAttribute: TTL_ATTRIBUTE,
  };
}

/** The three store tables, in CreateTable shape plus the TTL attribute name. */
export function tableDefinitions(cfg: Config): TableDefinition[] {
  return [
    {
      purpose: 'sessions',
      TableName: cfg.store.sessionsTable,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      ttlAttribute: TTL_ATTRIBUTE,
    },
    logTable('events', cfg.store.eventsTable, 'stream'),
    logTable('messages', cfg.store.messagesTable, 'channel'),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tableStatus(d: StoreDynamo, name: string): Promise<string | undefined> {
  try {
    const out = await storeCall(d, `DescribeTable ${name}`, (abortSignal) =>
      d.raw.send(new DescribeTableCommand({ TableName: name }), { abortSignal }),
    );
    return out.Table?.TableStatus;
  } catch (err) {
    if (err instanceof StoreUnavailableError && errorName(err.cause) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Creates a table when missing (TTL on when this call created it) and waits until it is ACTIVE.
 * Idempotent and safe to run from several instances at once. For local hosts, tests and tools;
 * deployments get their tables from template.yaml.
 */
export async function ensureTable(d: StoreDynamo, def: TableSpec, waitMs = 30_000): Promise<'created' | 'existed'> {
  let created = false;
  if ((await tableStatus(d, def.TableName)) === undefined) {
    const { TableName, KeySchema, AttributeDefinitions, GlobalSecondaryIndexes, BillingMode } = def;
    const input = { TableName, KeySchema, AttributeDefinitions, BillingMode, GlobalSecondaryIndexes };
    try {
      await storeCall(d, `CreateTable ${def.TableName}`, (abortSignal) =>
        d.raw.send(new CreateTableCommand(input), { abortSignal }),
      );
      created = true;
    } catch (err) {
      // Another instance created it first: fine, wait for it like for our own.
      if (errorName((err as { cause?: unknown }).cause) !== 'ResourceInUseException') throw err;
    }
  }
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = await tableStatus(d, def.TableName);
    if (status === 'ACTIVE') break;
    if (Date.now() > deadline) {
      throw new StoreUnavailableError(`Table ${def.TableName} not ACTIVE after ${waitMs} ms (status ${status})`);
    }
    await sleep(200);
  }
  if (created) {
    try {
      await storeCall(d, `UpdateTimeToLive ${def.TableName}`, (abortSignal) =>
        d.raw.send(
          new UpdateTimeToLiveCommand({
            TableName: def.TableName,
            TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
          }),
          { abortSignal },
        ),
      );
    } catch {
      // dynalite has no TTL API; readers ignore expired items anyway, so this only costs storage locally.
    }
  }
  return created ? 'created' : 'existed';
}

/**
 * Creates the store tables that are missing and waits until all are ACTIVE. Idempotent and safe to run
 * from several instances at once. For the local host with STORE=dynamodb; deployments get them from template.yaml.
 */
export async function ensureTables(
  cfg: Config,
  options: DynamoClientOptions & { waitMs?: number } = {},
): Promise<Record<string, 'created' | 'existed'>> {
  const d = createDynamo(cfg.store, options);
  try {
    const result: Record<string, 'created' | 'existed'> = {};
    for (const def of tableDefinitions(cfg))
      result[def.TableName] = await ensureTable(d, def, options.waitMs ?? 30_000);
    return result;
  } finally {
    d.raw.destroy();
  }
}
