// Invalid JSON-RPC on an own session must be answered at once and leave no work behind (#17): a POST
// the server cannot answer used to get 202 (legacy) or an SSE stream (2025) and then wait forever for
// a reply. Every request here must get its answer and its audit record (a record is only written once
// the request's background work has settled, so a record proves the work ended), and the session must
// keep working afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecords, type Cluster, json, mcpClient, openLegacySse, postMessage, startCluster } from './cluster.ts';

let c: Cluster;
let token: string;

beforeAll(async () => {
  c = await startCluster('memory');
  token = await c.token('alice', 'mcp:tools');
});

afterAll(async () => {
  await c?.stop();
});

const INVALID: Array<[string, unknown]> = [
  ['an object id', { jsonrpc: '2.0', id: {}, method: 'ping' }],
  ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }],
  ['a numeric method', { jsonrpc: '2.0', id: 1, method: 42 }],
  ['string params', { jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' }],
  ['a null id', { jsonrpc: '2.0', id: null, method: 'ping' }],
  ['an empty batch', []],
  ['a batch with a bad member', [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 7]],
  [
    'one id twice in a batch',
    [
      { jsonrpc: '2.0', id: 5, method: 'ping' },
      { jsonrpc: '2.0', id: 5, method: 'ping' },
    ],
  ],
];

/** A fetch that gives up (and says so) instead of hanging the suite. */
async function bounded(url: URL | string, init: RequestInit, ms = 10_000) {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
  return { status: r.status, text: await r.text() };
}

const requestRecords = () => auditRecords(c.a).filter((r) => r.message === 'audit' && r.kind === 'request');

describe('invalid JSON-RPC on an own session', () => {
  it('POST /messages/: 400 with a JSON-RPC error at once, a record for each, and the session still answers', async () => {
    const s = await openLegacySse(c.a.origin, token);
    const before = requestRecords().length;
    for (const [what, body] of INVALID) {
      const r = await bounded(new URL(s.endpoint, c.a.origin), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status, what).toBe(400);
      expect(JSON.parse(r.text), what).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    }
    await expect.poll(() => requestRecords().length - before, { timeout: 5_000 }).toBe(INVALID.length);
    expect(
      requestRecords()
        .slice(before)
        .every((r) => r.outcome === 'bad_request' && r.httpStatus === 400),
    ).toBe(true);
    // Nothing of them reached the stream; a valid ping still gets its answer there.
    expect(
      (await postMessage(c.a.origin, s.endpoint, token, { jsonrpc: '2.0', id: 'p1', method: 'ping' })).status,
    ).toBe(202);
    const pong = await s.reader.next((e) => e.event === 'message' && json(e).id === 'p1');
    expect(json(pong)).toMatchObject({ id: 'p1', result: {} });
    expect(s.reader.events.filter((e) => e.event === 'message')).toHaveLength(1);
    s.reader.close();
  });

  it('POST /mcp in a 2025 session: the same bodies get 400 at once, and the session still answers', async () => {
    const client = mcpClient(token);
    const init = await client.initialize(c.a.mcp);
    for (const [what, body] of INVALID) {
      const r = await bounded(c.a.mcp, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          'mcp-session-id': init.sessionId,
        },
        body: JSON.stringify(body),
      });
      expect(r.status, what).toBe(400);
      expect(JSON.parse(r.text).error.code, what).toBeLessThan(-32000);
    }
    const ping = await client.request(c.a.mcp, init.sessionId, 'ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ result: {} });
  });
});
