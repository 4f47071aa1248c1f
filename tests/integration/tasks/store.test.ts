// The task store contract on a real DynamoDB API (dynalite) and in memory: a create is readable at once
// (strongly consistent), writes are conditional on the version read (a stale writer loses), an id is
// created once, an expired task is gone for readers before the TTL sweeper runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoTaskStore } from '../../../lib/tasks/dynamodb-store.ts';
import { createMemoryTaskStore, TaskConflictError, type TaskRecord, type TaskStore } from '../../../lib/tasks/index.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { taskRecord } from '../../support/task-record.ts';
import { baseConfig, testClock } from '../../unit/store/contract.ts';

let dyn: DynaliteServer;
beforeAll(async () => {
  dyn = await startDynalite();
});
afterAll(async () => {
  await dyn?.close();
});

const record = (taskId: string, at: number): TaskRecord => taskRecord(taskId, at, { ttlMs: 10_000 });

describe.each(['dynamodb', 'memory'] as const)('task store (%s)', (kind) => {
  const clock = testClock();
  let store: TaskStore;
  beforeAll(() => {
    const cfg = baseConfig({
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dyn.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    store =
      kind === 'dynamodb'
        ? createDynamoTaskStore(cfg.store, `tasks-test-${Date.now()}`, clock.now)
        : createMemoryTaskStore(clock.now);
  });

  it('a created task is readable at once; an id is created once', async () => {
    const r = record(`t-${kind}-1`, clock.now());
    await store.create(r);
    expect(await store.get(r.taskId)).toEqual(r);
    await expect(store.create(r)).rejects.toBeInstanceOf(TaskConflictError);
    expect(await store.get('__proto__')).toBeUndefined();
  });

  it('a write names the version it read: the stale writer loses', async () => {
    const r = record(`t-${kind}-2`, clock.now());
    await store.create(r);
    const first = await store.update(r.taskId, 1, { status: 'cancelled' });
    expect(first.version).toBe(2);
    await expect(store.update(r.taskId, 1, { status: 'completed' })).rejects.toBeInstanceOf(TaskConflictError);
    expect((await store.get(r.taskId))?.status).toBe('cancelled');
    const cleared = await store.update(r.taskId, 2, { inputRequests: undefined, checkpoints: { '1:step:x': 5 } });
    expect(cleared.checkpoints).toEqual({ '1:step:x': 5 });
    expect('inputRequests' in cleared).toBe(false);
  });

  it('an expired task is gone for readers', async () => {
    const r = record(`t-${kind}-3`, clock.now());
    await store.create(r);
    clock.advance(10_001);
    expect(await store.get(r.taskId)).toBeUndefined();
  });
});
