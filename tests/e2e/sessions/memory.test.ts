// Memory of a real host after a few thousand legacy SSE messages (#17: RSS 115 -> 471 MB over 10,000
// pings). Measured from outside through the V8 inspector, after forced full collections, so garbage not
// yet collected (V8 grows its heap lazily under allocation pressure) does not count: only what the host
// retains does. Invalid messages used to leave one never-ending job each (a transport waiting for a
// reply, a reply pump polling, their timers): those are retained memory and live timers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInspector, INSPECT_NODE_OPTIONS, type Inspector, inspectorUrl } from '../../support/inspector.ts';
import { type Cluster, json, openLegacySse, startCluster } from './cluster.ts';

let c: Cluster;
let inspector: Inspector;
let token: string;

beforeAll(async () => {
  c = await startCluster('memory', { NODE_OPTIONS: INSPECT_NODE_OPTIONS, AUDIT_SINK: 'off' });
  token = await c.token('alice', 'mcp:tools');
  const url = inspectorUrl(c.a.host.stderr());
  if (!url) throw new Error(`the host printed no inspector URL:\n${c.a.host.stderr()}`);
  inspector = await connectInspector(url);
});

afterAll(async () => {
  inspector?.close();
  await c?.stop();
});

const MB = 1024 * 1024;
const timers = () =>
  inspector.evaluate<number>("process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length");

/** Runs `n` jobs with `width` in flight at once. */
async function pool(n: number, width: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

describe('host memory after thousands of /messages/ requests', () => {
  it('retains no memory and no timers per request once collected (valid and invalid messages)', async () => {
    const s = await openLegacySse(c.a.origin, token);
    const url = new URL(s.endpoint, c.a.origin);
    const post = async (body: unknown) => {
      // Bounded: a request whose answer never completes must not hang the suite (it fails the checks below).
      const r = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3_000),
      }).catch(() => undefined);
      await r?.body?.cancel().catch(() => {});
      return r?.status;
    };
    await post({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'memory', version: '1' } },
    });
    await pool(200, 10, async (i) => void (await post({ jsonrpc: '2.0', id: `warm-${i}`, method: 'ping' })));
    await s.reader.next((e) => e.event === 'message' && json(e).id === 'warm-199', 10_000);
    const before = await inspector.memoryAfterGc();
    const timersBefore = await timers();

    const invalid = [
      { jsonrpc: '2.0', id: {}, method: 'ping' },
      { jsonrpc: '1.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 42 },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' },
    ];
    const statuses = new Map<unknown, number>();
    await pool(3_000, 10, async (i) => {
      const status = await post({ jsonrpc: '2.0', id: i + 1, method: 'ping' });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
    await pool(600, 30, async (i) => {
      const status = await post(invalid[i % invalid.length]);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
    await s.reader.next((e) => e.event === 'message' && json(e).id === 3_000, 10_000);

    const after = await inspector.memoryAfterGc();
    const retained = (after.heapUsed - before.heapUsed) / MB;
    const rss = (after.rss - before.rss) / MB;
    console.log(
      `[memory] heapUsed ${(before.heapUsed / MB).toFixed(1)} -> ${(after.heapUsed / MB).toFixed(1)} MB, ` +
        `rss ${(before.rss / MB).toFixed(1)} -> ${(after.rss / MB).toFixed(1)} MB (after forced GC), ` +
        `timers ${timersBefore} -> ${await timers()}`,
    );
    // What is kept is the replies' events in the memory store (until their TTL): some 150 bytes each.
    expect(retained).toBeLessThan(8);
    expect(rss).toBeLessThan(50);
    expect(await timers()).toBeLessThanOrEqual(timersBefore + 5);
    expect(Object.fromEntries(statuses)).toEqual({ 202: 3_000, 400: 600 });
    s.reader.close();
  });
});
