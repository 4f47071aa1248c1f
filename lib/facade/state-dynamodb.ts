// The façade's state in one DynamoDB table (STORE=dynamodb): PK `pk` = "<kind>#<id>", `data` (JSON), `used` (BOOL),
// `expiresAt` (epoch s, TTL). take = DeleteItem with ALL_OLD; consume = UpdateItem SET used with ALL_OLD, so two
// instances racing for one code see exactly one 'first'. Uses lib/store's client (fail-fast timeouts).
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config.ts';
import { createDynamo, storeCall } from '../store/dynamodb-client.ts';
import type { TableSpec } from '../store/dynamodb-tables.ts';
import { type Consumed, expired, expiry, type FacadeStore, type RecordKind, usableId } from './state.ts';

/** The table in CreateTable shape (template.yaml's FacadeTable matches it). */
export function facadeTableSpec(table: string): TableSpec {
  return {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    ttlAttribute: 'expiresAt',
  };
}

interface Item {
  pk: string;
  data: string;
  expiresAt: number;
  used?: boolean;
}

const liveData = <T>(item: Item | undefined): T | undefined =>
  item && !expired(item.expiresAt) ? (JSON.parse(item.data) as T) : undefined;

/** The DynamoDB store over `table`. */
export function dynamoFacadeStore(store: StoreConfig, table: string): FacadeStore {
  const d = createDynamo(store);
  const key = (kind: RecordKind, id: string) => ({ pk: `${kind}#${id}` });
  return {
    async create(kind, id, data, ttlSec) {
      const Item: Item = { ...key(kind, id), data: JSON.stringify(data), expiresAt: expiry(ttlSec) };
      await storeCall(d, 'facade create', (abortSignal) =>
        d.doc.send(new PutCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' }), {
          abortSignal,
        }),
      );
    },
    async get<T>(kind: RecordKind, id: string) {
      if (!usableId(id)) return undefined;
      const out = await storeCall(d, 'facade get', (abortSignal) =>
        d.doc.send(new GetCommand({ TableName: table, Key: key(kind, id), ConsistentRead: true }), { abortSignal }),
      );
      return liveData<T>(out.Item as Item | undefined);
    },
    async take<T>(kind: RecordKind, id: string) {
      if (!usableId(id)) return undefined;
      const out = await storeCall(d, 'facade take', (abortSignal) =>
        d.doc.send(new DeleteCommand({ TableName: table, Key: key(kind, id), ReturnValues: 'ALL_OLD' }), {
          abortSignal,
        }),
      );
      return liveData<T>(out.Attributes as Item | undefined);
    },
    async consume<T>(kind: RecordKind, id: string): Promise<Consumed<T>> {
      if (!usableId(id)) return { state: 'absent' };
      try {
        const out = await storeCall(d, 'facade consume', (abortSignal) =>
          d.doc.send(
            new UpdateCommand({
              TableName: table,
              Key: key(kind, id),
              UpdateExpression: 'SET used = :t',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':t': true },
              ReturnValues: 'ALL_OLD',
            }),
            { abortSignal },
          ),
        );
        const item = out.Attributes as Item | undefined;
        const data = liveData<T>(item);
        if (!item || data === undefined) return { state: 'absent' };
        return item.used ? { state: 'replayed', data } : { state: 'first', data };
      } catch (err) {
        if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return { state: 'absent' };
        throw err;
      }
    },
  };
}
