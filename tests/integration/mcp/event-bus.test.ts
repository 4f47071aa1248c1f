// StoreEventBus across instances: two buses over two separate DynamoDB clients (two "Lambda instances")
// sharing one dynalite. An event published on B reaches a listener on A, once, and A's own events reach
// its listeners at once without coming back through the store. A transient store failure (the
// connection to DynamoDB cut for a moment, through a real TCP proxy) must not replay the bus's history.
import net from 'node:net';
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

function instance(endpoint = db.endpoint) {
  const s = createDynamoStores(
    { ...cfg, store: { ...cfg.store, dynamodbEndpoint: endpoint } },
    { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
  );
  stores.push(s);
  return new StoreEventBus(s.messages);
}

/** A TCP proxy to dynalite whose link can be cut: while cut, every connection is reset at once. */
async function cuttableProxy(target: string) {
  const { port } = new URL(target);
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return void client.resetAndDestroy();
    const upstream = net.connect(Number(port), '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      cut = true;
      for (const s of open) s.resetAndDestroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
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
    console.log(`[latency] bus B -> A through the store: ${latency} ms`);
    await new Promise((r) => setTimeout(r, 400));
    expect(onA).toHaveLength(1); // not delivered twice
    expect(onB).toHaveLength(1); // B's own event does not come back through the store
    offA();
    offB();
  });

  it('a transient store error while a listener starts does not replay the channel from its start', async () => {
    const proxy = await cuttableProxy(db.endpoint);
    const a = instance(proxy.endpoint);
    const b = instance();
    // History: events published before A's listener existed.
    for (let i = 0; i < 3; i++) b.publish({ kind: 'resource_updated', uri: `test://old-${i}` });
    await new Promise((r) => setTimeout(r, 200));
    const onA: ServerEvent[] = [];
    proxy.cut(); // A's first read of the channel head fails
    const offA = a.subscribe((e) => onA.push(e));
    await new Promise((r) => setTimeout(r, 500));
    proxy.restore();
    // B keeps publishing until A receives something: A has then retried and stands at the head.
    for (let i = 0; onA.length === 0 && i < 100; i++) {
      b.publish({ kind: 'resource_updated', uri: `test://new-${i}` });
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(onA.length).toBeGreaterThan(0);
    const uris = onA.map((e) => (e as { uri: string }).uri);
    expect(uris.filter((u) => u.startsWith('test://old'))).toEqual([]);
    expect(uris.every((u) => u.startsWith('test://new-'))).toBe(true);
    offA();
    await proxy.close();
  });
});
