// The façade's state stores, memory and DynamoDB (dynalite), against one contract: create refuses a duplicate,
// take hands a record to exactly one caller, consume says 'first' exactly once even under concurrent callers
// (two Lambda instances redeeming one code), expired records read as absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.ts';
import { type FacadeStore, memoryFacadeStore } from '../../../lib/facade/index.ts';
import { dynamoFacadeStore, facadeTableSpec } from '../../../lib/facade/state-dynamodb.ts';
import { ensureTable } from '../../../lib/store/index.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';

let db: DynaliteServer;
const stores: Record<string, () => FacadeStore> = {};

beforeAll(async () => {
  db = await startDynalite();
  const cfg = loadConfig({
    AUTH_ISSUER: 'https://mcp.example.com',
    MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
    STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: db.endpoint,
  });
  await ensureTable(cfg.store, facadeTableSpec('facade-test'));
  stores.memory = () => memoryFacadeStore();
  // Two clients on one table: two instances.
  stores.dynamodb = () => dynamoFacadeStore(cfg.store, 'facade-test');
});
afterAll(async () => {
  await db?.close();
});

describe.each(['memory', 'dynamodb'])('%s store', (kind) => {
  it('create refuses a duplicate key; get reads it back', async () => {
    const s = stores[kind]!();
    await s.create('client', `c-${kind}`, { a: 1 }, 60);
    await expect(s.create('client', `c-${kind}`, { a: 2 }, 60)).rejects.toThrow();
    expect(await s.get('client', `c-${kind}`)).toEqual({ a: 1 });
    expect(await s.get('client', 'nobody')).toBeUndefined();
  });

  it('kinds are separate key spaces, and keys are prototype-safe', async () => {
    const s = stores[kind]!();
    await s.create('code', `__proto__-${kind}`, { v: 'code' }, 60);
    expect(await s.get('client', `__proto__-${kind}`)).toBeUndefined();
    expect(await s.get('code', `__proto__-${kind}`)).toEqual({ v: 'code' });
    expect(await s.get('client', 'constructor')).toBeUndefined();
  });

  it('take gives the record to exactly one of several concurrent callers', async () => {
    const writer = stores[kind]!();
    const readers = kind === 'memory' ? [writer, writer, writer] : [stores[kind]!(), stores[kind]!(), stores[kind]!()];
    await writer.create('flow', `f-${kind}`, { n: 1 }, 60);
    const got = await Promise.all(readers.map((r) => r.take('flow', `f-${kind}`)));
    expect(got.filter(Boolean)).toEqual([{ n: 1 }]);
  });

  it("consume says 'first' exactly once under concurrency, then 'replayed'; unknown is 'absent'", async () => {
    const writer = stores[kind]!();
    const readers = kind === 'memory' ? [writer, writer, writer, writer] : [1, 2, 3, 4].map(() => stores[kind]!());
    await writer.create('code', `k-${kind}`, { grant: 'g' }, 60);
    const states = (await Promise.all(readers.map((r) => r.consume('code', `k-${kind}`)))).map((c) => c.state);
    expect(states.filter((s) => s === 'first')).toHaveLength(1);
    expect(states.filter((s) => s === 'replayed')).toHaveLength(3);
    expect(await writer.consume('code', `k-${kind}`)).toEqual({ state: 'replayed', data: { grant: 'g' } });
    expect((await writer.consume('code', 'nobody')).state).toBe('absent');
  });

  it('an oversized or empty id (caller input) is absent, without an error from the store', async () => {
    const s = stores[kind]!();
    const huge = 'x'.repeat(5000);
    expect(await s.get('client', huge)).toBeUndefined();
    expect(await s.take('flow', huge)).toBeUndefined();
    expect((await s.consume('code', huge)).state).toBe('absent');
    expect(await s.get('client', '')).toBeUndefined();
  });

  it('an expired record reads as absent (the TTL sweeper may lag)', async () => {
    const s = stores[kind]!();
    await s.create('pending', `p-${kind}`, { x: 1 }, 0);
    expect(await s.get('pending', `p-${kind}`)).toBeUndefined();
    expect(await s.take('pending', `p-${kind}`)).toBeUndefined();
    expect((await s.consume('pending', `p-${kind}`)).state).toBe('absent');
  });
});
