// StoreEventBus across instances: two buses over two separate DynamoDB clients (two "Lambda instances")
// sharing one dynalite. An event published on B reaches a listener on A, once, and A's own events reach
// its listeners at once without coming back through the store.
import type { ServerEvent } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config.ts';
import { StoreEventBus } from '../../../lib/mcp/event-bus.ts';
import { createDynamoStores } from '../../../lib/store/dynamodb.ts';
import { ensureTables } from '../../../lib/store/index.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { baseConfig } from '../../unit/store/contract.ts';

let db: DynaliteServer;
let cfg: Config;
const stores: Array<{ close(): void }> = [];

beforeAll(async () => {
  db = await startDynalite();
  cfg = baseConfig({ STORE: 'dynamodb', DYNAMODB_ENDPOINT: db.endpoint, TABLE_PREFIX: 'bus' });
  await ensureTables(cfg);
});

afterAll(async () => {
  for (const s of stores) s.close();
  await db?.close();
});

function instance() {
  const s = createDynamoStores(cfg, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  stores.push(s);
  return new StoreEventBus(s.messages);
}

const waitFor = async (pred: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe('StoreEventBus over DynamoDB', () => {
  it('delivers an event published on instance B to a listener on instance A, exactly once', async () => {
    const a = instance();
    const b = instance();
    const onA: ServerEvent[] = [];
    const onB: ServerEvent[] = [];
    const offA = a.subscribe((e) => onA.push(e));
    const offB = b.subscribe((e) => onB.push(e));
    await new Promise((r) => setTimeout(r, 300)); // A's poll has taken its starting cursor
    const started = Date.now();
    b.publish({ kind: 'resource_updated', uri: 'test://one' });
    expect(onB).toEqual([{ kind: 'resource_updated', uri: 'test://one' }]); // local listeners: at once
    await waitFor(() => onA.length > 0, 3_000);
    const latency = Date.now() - started;
    expect(onA).toEqual([{ kind: 'resource_updated', uri: 'test://one' }]);
    expect(latency).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(onA).toHaveLength(1); // not delivered twice
    expect(onB).toHaveLength(1); // B's own event does not come back through the store
    offA();
    offB();
  });
});
