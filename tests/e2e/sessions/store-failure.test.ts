// The store unreachable: a TCP proxy in front of dynalite that the test cuts (open connections reset,
// new ones refused) and heals. Every store-backed route answers a clear 503 with a JSON-RPC error and
// Retry-After within the store's ~2.5 s operation deadline, the instance keeps serving, each refusal
// has an audit record, and the same session works again once the store is back.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite } from '../../support/dynalite.ts';
import { auditRecords, type Cluster, mcpClient, openLegacySse, postMessage, startCluster } from './cluster.ts';

interface CuttableProxy {
  port: number;
  /** Accept connections but never answer (a store that hangs rather than refuses). */
  stalled: boolean;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

async function cuttableProxy(target: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        if (proxy.stalled) {
          sockets.add(client);
          client.on('close', () => sockets.delete(client));
          client.on('error', () => {});
          return;
        }
        const upstream = net.connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.resetAndDestroy();
    });
  };
  const proxy: CuttableProxy = { port: 0, stalled: false, cut, heal: listen, close: cut };
  await listen();
  proxy.port = port;
  return proxy;
}

let c: Cluster;
let proxy: CuttableProxy;
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let token: string;

beforeAll(async () => {
  dynalite = await startDynalite();
  proxy = await cuttableProxy(Number(new URL(dynalite.endpoint).port));
  c = await startCluster('dynamodb', {}, { dynamodbEndpoint: `http://127.0.0.1:${proxy.port}` });
  token = await c.token('alice');
});
afterAll(async () => {
  await c?.stop();
  await proxy?.close().catch(() => {});
  await dynalite?.close();
});

describe('store unreachable (STORE=dynamodb behind a cut connection)', () => {
  it('503 + JSON-RPC error + Retry-After on every store-backed route, no crash, audited; recovers when the store is back', async () => {
    const client = mcpClient(token);
    const { sessionId, status } = await client.initialize(c.a.mcp);
    expect(status).toBe(200);
    const legacy = await openLegacySse(c.a.origin, token);
    legacy.reader.close();

    await proxy.cut();
    const before = auditRecords(c.a).length;
    const t0 = performance.now();
    const list = await client.request(c.a.mcp, sessionId, 'tools/list');
    const took = performance.now() - t0;
    console.log(`[latency] store down: 503 after ${took.toFixed(0)} ms`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('1');
    expect(list.headers.get('content-type')).toContain('application/json');
    expect(list.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
    expect(list.body.error.message).toMatch(/store/i);
    expect(took).toBeLessThan(6_000);

    const init = await client.initialize(c.a.mcp);
    expect(init.status).toBe(503);
    expect(init.body.error.message).toMatch(/store/i);
    const get = await client.get(c.a.mcp, sessionId);
    expect(get.status).toBe(503);
    get.close();
    expect(await client.del(c.a.mcp, sessionId)).toBe(503);
    const sse = await openLegacySse(c.a.origin, token);
    expect(sse.reader.status).toBe(503);
    sse.reader.close();
    const msg = await postMessage(c.a.origin, legacy.endpoint, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(msg.status).toBe(503);
    expect(JSON.parse(msg.text).error.code).toBe(-32001);

    // No crash: the instance is alive and still answers what needs no store.
    expect(c.a.host.child.exitCode).toBeNull();
    const anon = await fetch(c.a.mcp, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anon.status).toBe(401);
    await anon.body?.cancel();

    // One audit record per refused request, with the 503 and an error outcome.
    await new Promise((r) => setTimeout(r, 200));
    const records = auditRecords(c.a)
      .slice(before)
      .filter((r) => r.message === 'audit' && r.httpStatus === 503);
    expect(records.length).toBeGreaterThanOrEqual(6);
    for (const r of records) {
      expect(r.outcome).toBe('error');
      expect(r.level).toBe('ERROR');
    }
    expect(records.some((r) => r.path === '/sse')).toBe(true);
    expect(records.some((r) => r.path?.startsWith('/messages'))).toBe(true);
    expect(c.a.host.stdout() + c.a.host.stderr()).not.toContain(token);

    // The store comes back: the very same session works again.
    await proxy.heal();
    const again = await client.request(c.a.mcp, sessionId, 'tools/list');
    expect(again.status).toBe(200);
    expect(again.body.result.tools.length).toBeGreaterThan(0);
  });

  it('a store that accepts connections but never answers: 503 within the operation deadline', async () => {
    const client = mcpClient(token);
    const { sessionId } = await client.initialize(c.b.mcp);
    await proxy.cut();
    proxy.stalled = true;
    await proxy.heal();
    try {
      const t0 = performance.now();
      const list = await client.request(c.b.mcp, sessionId, 'tools/list');
      const took = performance.now() - t0;
      console.log(`[latency] store hanging: 503 after ${took.toFixed(0)} ms`);
      expect(list.status).toBe(503);
      expect(list.body.error.code).toBe(-32001);
      expect(took).toBeGreaterThan(500);
      expect(took).toBeLessThan(6_000);
      expect(c.b.host.child.exitCode).toBeNull();
    } finally {
      await proxy.cut();
      proxy.stalled = false;
      await proxy.heal();
    }
    expect((await client.request(c.b.mcp, sessionId, 'tools/list')).status).toBe(200);
  });
});
