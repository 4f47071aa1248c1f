// Resumability across instances: instance A dies (SIGKILL) while a client holds a stream on it; the
// client resumes on B with Last-Event-ID and gets every event exactly once, in order. Also a POST
// reply stream the client dropped, resumed on another instance while the call is still running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  type Instance,
  json,
  mcpClient,
  openLegacySse,
  postMessage,
  readSse,
  type SseEvent,
  startCluster,
} from './cluster.ts';

let c: Cluster;
let token: string;

beforeAll(async () => {
  c = await startCluster('dynamodb');
  token = await c.token('alice');
});
afterAll(async () => {
  await c?.stop();
});

const texts = (events: SseEvent[]) =>
  events.filter((e) => e.data !== '').map((e) => json(e).params?.data?.text as string | undefined);

describe('kill instance A mid-stream (STORE=dynamodb)', () => {
  it('GET /mcp: resume on B with Last-Event-ID; every notification exactly once, none lost', async () => {
    const a: Instance = await c.startInstance();
    const client = mcpClient(token);
    const { sessionId } = await client.initialize(c.b.mcp);
    const onA = await client.get(a.mcp, sessionId);
    await onA.next((e) => e.data === '');
    const notify = (text: string) =>
      client.request(c.b.mcp, sessionId, 'tools/call', { name: 'notify_demo', arguments: { text } });

    for (const n of ['n1', 'n2', 'n3']) await notify(n);
    await onA.next((e) => e.data !== '' && json(e).params?.data?.text === 'n3');
    a.host.kill();
    expect(await onA.ended).toBeDefined(); // the socket died with the instance
    const seen = onA.events.filter((e) => e.data !== '');
    expect(texts(seen)).toEqual(['n1', 'n2', 'n3']);
    const lastId = seen.at(-1)!.id!;

    // Published while no stream is open anywhere.
    for (const n of ['n4', 'n5', 'n6']) await notify(n);
    const onB = await client.get(c.b.mcp, sessionId, { 'last-event-id': lastId });
    expect(onB.status).toBe(200);
    await onB.next((e) => e.data !== '' && json(e).params?.data?.text === 'n6');
    await notify('n7'); // and live again
    await onB.next((e) => e.data !== '' && json(e).params?.data?.text === 'n7');
    onB.close();

    const resumed = onB.events.filter((e) => e.data !== '');
    expect(texts(resumed)).toEqual(['n4', 'n5', 'n6', 'n7']);
    const ids = [...seen, ...resumed].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('GET /sse: the EventSource reconnect on B resumes the legacy session; the missed reply arrives once', async () => {
    const a: Instance = await c.startInstance();
    const first = await openLegacySse(a.origin, token);
    const { endpoint } = first;
    expect(
      (
        await postMessage(c.b.origin, endpoint, token, {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
        })
      ).status,
    ).toBe(202);
    await first.reader.next((e) => e.event === 'message' && json(e).id === 0);
    await postMessage(c.b.origin, endpoint, token, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const call = (id: number) =>
      postMessage(c.b.origin, endpoint, token, {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: `m${id}` } },
      });
    await call(1);
    const one = await first.reader.next((e) => e.event === 'message' && json(e).id === 1);
    a.host.kill();
    await first.reader.ended;

    expect((await call(2)).status).toBe(202); // processed on B while no stream is open
    const again = await openLegacySse(c.b.origin, token, one.id);
    expect(again.reader.status).toBe(200);
    expect(again.endpoint).toBe(endpoint); // the same session
    await again.reader.next((e) => e.event === 'message' && json(e).id === 2);
    await call(3);
    await again.reader.next((e) => e.event === 'message' && json(e).id === 3);
    again.reader.close();
    const ids = again.reader.events.filter((e) => e.event === 'message').map((e) => json(e).id);
    expect(ids).toEqual([2, 3]);
    const two = await again.reader.next((e) => e.event === 'message' && json(e).id === 2);
    expect(json(two).result.content[0].text).toBe('m2');
  });

  async function dropMidCall() {
    const client = mcpClient(token);
    const { sessionId } = await client.initialize(c.a.mcp);
    const controller = new AbortController();
    const r = await fetch(c.a.mcp, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 42,
        method: 'tools/call',
        params: { name: 'stream_demo', arguments: { chunks: 6, interval_ms: 150 }, _meta: { progressToken: 'p' } },
      }),
    });
    const first = readSse(r, controller);
    await first.next((e) => e.data !== '' && json(e).params?.progress === 2);
    first.close(); // the client goes away mid-call
    const got = first.events.filter((e) => e.data !== '');
    const last = got.at(-1)!.id!;
    const resumed = await client.get(c.b.mcp, sessionId, { 'last-event-id': last });
    expect(resumed.status).toBe(200);
    const done = await resumed.next((e) => e.data !== '' && json(e).id === 42, 10_000);
    // The stream is complete: the resumed GET ends by itself rather than polling until its maximum duration.
    const ended = await Promise.race([resumed.ended, new Promise((r) => setTimeout(() => r('open'), 3_000))]);
    resumed.close();
    const all = [...got, ...resumed.events.filter((e) => e.data !== '')];
    return { done: json(done), all, ended };
  }

  it('a POST reply stream dropped by the client resumes on another instance: the rest, exactly once', async () => {
    const { done, all, ended } = await dropMidCall();
    expect(done.id).toBe(42);
    expect(ended).toBe('end');
    expect(all.at(-1)!.id).toBe(all.find((e) => json(e).id === 42)!.id); // nothing after the response
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const progress = all.filter((e) => json(e).method === 'notifications/progress').map((e) => json(e).params.progress);
    expect(progress.slice(0, 2)).toEqual([1, 2]);
  });

  // 2025 spec: a disconnect is not a cancellation (the client sends notifications/cancelled for that).
  it('... and the call keeps running after the disconnect (2025: a disconnect is not a cancellation)', async () => {
    const { done, all } = await dropMidCall();
    expect(done.result.content[0].text).toContain('chunk 6/6');
    const progress = all.filter((e) => json(e).method === 'notifications/progress').map((e) => json(e).params.progress);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
