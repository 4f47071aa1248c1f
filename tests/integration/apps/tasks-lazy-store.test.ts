// lib/apps/tasks.ts lazyDynamoTaskStore: the DynamoDB task store (and the AWS SDK) loads on the first task call,
// not when the /mcp core is made; it then behaves exactly as the store it wraps. Real DynamoDB API (dynalite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyDynamoTaskStore } from '../../../lib/apps/tasks.ts';
import { createDynamoTaskStore } from '../../../lib/tasks/dynamodb-store.ts';
import { TaskConflictError } from '../../../lib/tasks/index.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { taskRecord } from '../../support/task-record.ts';
import { baseConfig } from '../../unit/store/contract.ts';

let dyn: DynaliteServer;
beforeAll(async () => {
  dyn = await startDynalite();
});
afterAll(async () => {
  await dyn?.close();
});

const cfgFor = (table: string) =>
  baseConfig({
    STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: dyn.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TASKS_TABLE: table,
  });

const record = (taskId: string) => taskRecord(taskId);

/** The real module import, counted. */
function countedLoad() {
  const calls: number[] = [];
  const load = () => {
    calls.push(calls.length + 1);
    return import('../../../lib/tasks/dynamodb-store.ts');
  };
  return { calls, load };
}

describe('lazyDynamoTaskStore', () => {
  it('loads nothing when made; the first calls (even concurrent ones) load the store once', async () => {
    const cfg = cfgFor(`lazy-${Date.now()}-a`);
    const { calls, load } = countedLoad();
    const store = lazyDynamoTaskStore(cfg, load);
    expect(calls).toHaveLength(0);
    const [a, b] = [record('a-1'), record('a-2')];
    await Promise.all([store.create(a), store.create(b)]);
    expect(calls).toHaveLength(1);
    expect(await store.get('a-1')).toEqual(a);
    expect(calls).toHaveLength(1);
  });

  it('answers exactly as the store it wraps, on the same table (create, get, conditional update, conflicts)', async () => {
    const table = `lazy-${Date.now()}-b`;
    const cfg = cfgFor(table);
    const lazy = lazyDynamoTaskStore(cfg);
    const direct = createDynamoTaskStore(cfg.store, table);
    const r = record('b-1');
    await lazy.create(r);
    expect(await direct.get('b-1')).toEqual(r);
    await expect(lazy.create(r)).rejects.toBeInstanceOf(TaskConflictError);
    const next = await direct.update('b-1', 1, { status: 'cancelled' });
    expect(await lazy.get('b-1')).toEqual(next);
    await expect(lazy.update('b-1', 1, { status: 'completed' })).rejects.toBeInstanceOf(TaskConflictError);
    expect(await lazy.update('b-1', 2, { status: 'completed' })).toEqual(await direct.get('b-1'));
    expect(await lazy.get('__proto__')).toBeUndefined();
  });

  it('a failed load is not kept: the next call loads again and works', async () => {
    const cfg = cfgFor(`lazy-${Date.now()}-c`);
    let n = 0;
    const store = lazyDynamoTaskStore(cfg, () => {
      n++;
      return n === 1 ? Promise.reject(new Error('load failed')) : import('../../../lib/tasks/dynamodb-store.ts');
    });
    await expect(store.get('c-1')).rejects.toThrow('load failed');
    const r = record('c-1');
    await store.create(r);
    expect(await store.get('c-1')).toEqual(r);
    expect(n).toBe(2);
  });
});
