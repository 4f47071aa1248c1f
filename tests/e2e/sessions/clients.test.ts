// Real SDK clients against two instances sharing dynalite. Each client's fetch sends its requests to
// alternating instances (as a load balancer in front of Lambda would), so every client works only if
// sessions, streams and replies really cross instances:
// - SDK v1 SSEClientTransport through /sse (stream on A, every POST /messages/ on B);
// - SDK v1 Streamable HTTP client, sessionful (session id issued and used; DELETE via terminateSession);
// - SDK v2 client pinned to 2026-07-28, and a subscriptions/listen stream on A receiving a change
//   published into the shared store by another instance.
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.ts';
import { BUS_CHANNEL } from '../../../lib/mcp/event-bus.ts';
import { createDynamoStores } from '../../../lib/store/dynamodb.ts';
import { type Cluster, mcpClient, routed, startCluster } from './cluster.ts';

let c: Cluster;
let token: string;

beforeAll(async () => {
  c = await startCluster('dynamodb');
  token = await c.token('alice');
});
afterAll(async () => {
  await c?.stop();
});

describe('real SDK clients across two instances (STORE=dynamodb)', () => {
  it('SDK v1 SSEClientTransport: stream on A, every POST /messages/ on B', async () => {
    const r = routed(c, (method) => (method === 'GET' ? c.a : c.b));
    const transport = new SSEClientTransport(new URL(`${c.a.origin}/sse`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      eventSourceInit: { fetch: r.fetch },
      fetch: r.fetch,
    });
    const client = new ClientV1({ name: 'v1-sse', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('mcp-lambda-stack');
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('notify_demo');
      const echo = await client.callTool({ name: 'echo', arguments: { text: 'over sse' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'over sse' }]);

      // A server notification caused by a call handled on B reaches the stream held by A.
      const got = new Promise<unknown>((resolve) =>
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(n.params.data)),
      );
      await client.callTool({ name: 'notify_demo', arguments: { text: 'to the sse stream' } });
      expect(await got).toMatchObject({ text: 'to the sse stream' });

      // And a progress-streaming call.
      const progress: number[] = [];
      const streamed = await client.callTool(
        { name: 'stream_demo', arguments: { chunks: 3, interval_ms: 250 } },
        undefined,
        {
          onprogress: (p) => progress.push(p.progress),
        },
      );
      // The v1 client handles a progress notification a microtask later than a response, so when the
      // last progress and the result arrive in one chunk (one store poll), it drops that last progress.
      expect(progress.slice(0, 2)).toEqual([1, 2]);
      expect((streamed.content as Array<{ text: string }>)[0]!.text).toContain('chunk 3/3');
    } finally {
      await client.close();
    }
    expect(r.log.filter((l) => l.startsWith('GET'))).toEqual(['GET /sse -> A']);
    expect(r.log.filter((l) => l.startsWith('POST')).every((l) => l.endsWith('-> B'))).toBe(true);
    expect(r.log.filter((l) => l.startsWith('POST')).length).toBeGreaterThanOrEqual(5);
  });

  it('SDK v1 Streamable HTTP client, sessionful: session id issued and used on both instances; terminateSession DELETEs it', async () => {
    const r = routed(c, (_m, n) => (n % 2 === 0 ? c.a : c.b));
    const transport = new TransportV1(new URL(c.a.mcp), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      fetch: r.fetch,
    });
    const client = new ClientV1({ name: 'v1-http', version: '1.0.0' });
    await client.connect(transport);
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const notes: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      notes.push(n.params.data);
    });
    for (let i = 0; i < 4; i++) {
      const echo = await client.callTool({ name: 'echo', arguments: { text: `v1 ${i}` } });
      expect(echo.content).toEqual([{ type: 'text', text: `v1 ${i}` }]);
    }
    // The client's standalone GET stream (opened after initialized) gets notify_demo, wherever each ran.
    await client.callTool({ name: 'notify_demo', arguments: { text: 'standalone' } });
    await expect.poll(() => notes, { timeout: 5_000 }).toContainEqual(expect.objectContaining({ text: 'standalone' }));
    expect(r.log).toContain('GET /mcp -> A');
    expect(r.log.some((l) => l === 'POST /mcp -> A')).toBe(true);
    expect(r.log.some((l) => l === 'POST /mcp -> B')).toBe(true);

    await transport.terminateSession();
    expect(transport.sessionId).toBeUndefined();
    expect(r.log.at(-1)).toMatch(/^DELETE \/mcp -> [AB]$/);
    await client.close();
    // The session is gone on every instance.
    const raw = mcpClient(token);
    expect((await raw.request(c.a.mcp, sessionId, 'tools/list')).status).toBe(404);
    expect((await raw.request(c.b.mcp, sessionId, 'tools/list')).status).toBe(404);
  });

  it('SDK v2 client pinned to 2026-07-28: stateless calls on alternating instances', async () => {
    const r = routed(c, (_m, n) => (n % 2 === 0 ? c.a : c.b));
    const client = new ClientV2(
      { name: 'v2-modern', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
      },
    );
    const transport = new TransportV2(new URL(c.a.mcp), { authProvider: { token: async () => token }, fetch: r.fetch });
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(transport.sessionId).toBeUndefined();
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('echo');
      for (let i = 0; i < 3; i++) {
        const who = await client.callTool({ name: 'whoami', arguments: {} });
        expect((who.structuredContent as { subject: string }).subject).toBe('alice');
      }
    } finally {
      await client.close();
    }
    expect(r.log.some((l) => l.endsWith('-> A'))).toBe(true);
    expect(r.log.some((l) => l.endsWith('-> B'))).toBe(true);
  });

  it('2026-07-28 subscriptions/listen on A receives a change published by another instance through the store', async () => {
    const client = new ClientV2(
      { name: 'v2-listen', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: '2026-07-28' } },
      },
    );
    await client.connect(new TransportV2(new URL(c.a.mcp), { authProvider: { token: async () => token } }));
    // What StoreEventBus.publish on any other instance writes: an envelope on the shared bus channel.
    const stores = createDynamoStores(loadConfig({ AUTH_DISABLED: 'true', ...c.env }));
    try {
      let changed = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changed++;
      });
      const sub = await client.listen({ toolsListChanged: true });
      const t0 = performance.now();
      await stores.messages.publish(BUS_CHANNEL, { from: 'another-instance', event: { kind: 'tools_list_changed' } });
      await expect.poll(() => changed, { timeout: 5_000, interval: 20 }).toBe(1);
      console.log(`[latency] bus publish (store) -> listen stream on A: ${(performance.now() - t0).toFixed(0)} ms`);
      await sub.close();
    } finally {
      stores.close();
      await client.close();
    }
  });
});
