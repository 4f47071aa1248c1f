// The task store in DynamoDB: one item per task, PK taskId (S), the record as JSON in `body`, `version` (N)
// for optimistic concurrency (every write is conditional on the version it read), `expiresAt` (N, epoch s)
// for DynamoDB TTL. Reads are strongly consistent, so a tasks/get right after the CreateTaskResult (on any
// instance) finds the task. One item holds the checkpoints and the result: the 400 KB item limit bounds them.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config.ts';
import { dynamoClient, ensureTable, type StoreDynamo, type TableSpec } from '../store/index.ts';
import { applyPatch, TaskConflictError, type TaskRecord, type TaskStore } from './types.ts';

/** The tasks table as CreateTable takes it (template.yaml declares the same). */
export function taskTableSpec(name: string): TableSpec {
  return {
    TableName: name,
    KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'taskId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    ttlAttribute: 'expiresAt',
  };
}

const errorName = (err: unknown) => String((err as { name?: unknown })?.name ?? '');

/** A task store on `table`; against an emulator endpoint (dynalite, LocalStack) it creates the table when missing. */
export function createDynamoTaskStore(store: StoreConfig, table: string, now: () => number = Date.now): TaskStore {
  let ready: Promise<StoreDynamo> | undefined;
  const client = () =>
    (ready ??= (async () => {
      if (store.dynamodbEndpoint) await ensureTable(store, taskTableSpec(table));
      return dynamoClient(store);
    })().catch((err) => {
      ready = undefined;
      throw err;
    }));
  const item = (r: TaskRecord) => ({
    taskId: r.taskId,
    version: r.version,
    body: JSON.stringify(r),
    expiresAt: Math.ceil((r.createdAt + r.ttlMs) / 1000),
  });
  const put = async (r: TaskRecord, condition: string, values?: Record<string, unknown>) => {
    const d = await client();
    try {
      await d.doc.send(
        new PutCommand({
          TableName: table,
          Item: item(r),
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
        { abortSignal: AbortSignal.timeout(d.operationTimeoutMs) },
      );
    } catch (err) {
      if (errorName(err) === 'ConditionalCheckFailedException') throw new TaskConflictError(r.taskId);
      throw err;
    }
  };
  const get = async (taskId: string): Promise<TaskRecord | undefined> => {
    const d = await client();
    const out = await d.doc.send(new GetCommand({ TableName: table, Key: { taskId }, ConsistentRead: true }), {
      abortSignal: AbortSignal.timeout(d.operationTimeoutMs),
    });
    if (!out.Item || typeof out.Item.body !== 'string') return undefined;
    const r = JSON.parse(out.Item.body) as TaskRecord;
    // The TTL sweeper may lag by days: an expired task is gone for readers at once.
    return r.createdAt + r.ttlMs <= now() ? undefined : r;
  };
  return {
    create: (r) => put(r, 'attribute_not_exists(taskId)'),
    get,
    async update(taskId, expectVersion, patch) {
      const r = await get(taskId);
      if (!r || r.version !== expectVersion) throw new TaskConflictError(taskId);
      const next = applyPatch(r, patch, now());
      await put(next, 'version = :v', { ':v': expectVersion });
      return next;
    },
  };
}
