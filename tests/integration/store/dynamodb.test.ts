// The store contract against a real DynamoDB API (dynalite on loopback), plus what only a remote store has:
// table creation, dead endpoints, and separate clients acting as separate Lambda instances.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config.ts';
import { createDynamoStores } from '../../../lib/store/dynamodb.ts';
import { tableDefinitions } from '../../../lib/store/dynamodb-tables.ts';
import {
  createStores,
  type DynamoStoreOptions,
  ensureTables,
  newSessionId,
  type Stores,
  StoreUnavailableError,
} from '../../../lib/store/index.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { baseConfig, storeContract } from '../../unit/store/contract.ts';

let db: DynaliteServer;
let cfg: Config;
const open: { close(): void }[] = [];

beforeAll(async () => {
  db = await startDynalite();
  cfg = baseConfig({ STORE: 'dynamodb', DYNAMODB_ENDPOINT: db.endpoint, TABLE_PREFIX: 'contract' });
  await ensureTables(cfg);
});

afterAll(async () => {
  for (const s of open) s.close();
  await db?.close();
});

function instance(c: Config, options?: DynamoStoreOptions): Stores {
  const s = createDynamoStores(c, { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, ...options });
  open.push(s);
  return s;
}

storeContract('dynamodb', { pair: (c, options) => [instance(c, options), instance(c, options)] }, () => cfg);

describe('dynamodb: tables', () => {
  it('ensureTables is idempotent, also when instances race', async () => {
    const c = baseConfig({ STORE: 'dynamodb', DYNAMODB_ENDPOINT: db.endpoint, TABLE_PREFIX: `t${Date.now()}` });
    const [first, racer] = await Promise.all([ensureTables(c), ensureTables(c)]);
    const names = tableDefinitions(c).map((t) => t.TableName);
    expect(Object.keys(first).sort()).toEqual([...names].sort());
    // Each table was created by exactly one of the racers.
    for (const n of names) expect([first[n], racer[n]].sort()).toEqual(['created', 'existed']);
    expect(Object.values(await ensureTables(c))).toEqual(['existed', 'existed', 'existed']);
    const s = instance(c);
    const rec = await s.sessions.create({
      id: newSessionId(),
      subject: 'u',
      clientId: undefined,
      protocolVersion: '2025-06-18',
      clientCapabilities: {},
      clientInfo: undefined,
      initialized: true,
    });
    expect(await s.sessions.get(rec.id)).toEqual(rec);
  });

  it('tableDefinitions: Sessions by id, Events by stream+seq, Messages by channel+seq, TTL on expiresAt', () => {
    const keys = tableDefinitions(cfg).map((t) => [t.purpose, t.KeySchema.map((k) => k.AttributeName), t.ttlAttribute]);
    expect(keys).toEqual([
      ['sessions', ['id'], 'expiresAt'],
      ['events', ['stream', 'seq'], 'expiresAt'],
      ['messages', ['channel', 'seq'], 'expiresAt'],
    ]);
  });

  it('a missing table is StoreUnavailableError naming the problem', async () => {
    const c = baseConfig({ STORE: 'dynamodb', DYNAMODB_ENDPOINT: db.endpoint, TABLE_PREFIX: 'never-created' });
    await expect(instance(c).sessions.get('x')).rejects.toThrow(/table missing/);
  });

  it('createStores(cfg) with STORE=dynamodb is one shared set per process', () => {
    const a = createStores(cfg);
    expect(a.kind).toBe('dynamodb');
    expect(createStores(cfg)).toBe(a);
  });
});

describe('dynamodb: unreachable store', () => {
  let silent: Server;
  let silentPort: number;
  let closedPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    // Accepts connections and never answers: the blackhole case that needs the request timeout.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  for (const [label, port] of [
    ['closed port', () => closedPort],
    ['silent server', () => silentPort],
  ] as const) {
    it(`${label}: every operation fails with StoreUnavailableError within 3 s`, async () => {
      const c = baseConfig({ STORE: 'dynamodb', DYNAMODB_ENDPOINT: `http://127.0.0.1:${port()}` });
      const s = instance(c);
      const sid = newSessionId();
      const ops: [string, () => Promise<unknown>][] = [
        ['sessions.get', () => s.sessions.get(sid)],
        ['events.append', () => s.events.append(sid, 'standalone', { jsonrpc: '2.0', method: 'x' })],
        ['messages.waitFor', () => s.messages.waitFor('c', 0, { timeoutMs: 10_000 })],
      ];
      await Promise.all(
        ops.map(async ([name, op]) => {
          const t0 = Date.now();
          const err = await op().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, name).toBeInstanceOf(StoreUnavailableError);
          // Bounded by the client's operation timeout (2.5 s), not by the SDK's retries; slack for a busy CI.
          expect(Date.now() - t0, name).toBeLessThan(8_000);
        }),
      );
      await expect(ensureTables(c)).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  }
});
