// Session expiry (SESSION_TTL_S=10, the minimum lib/config.ts allows): an idle session is gone on every
// instance and route (404), an active one is kept alive by its requests, an open GET stream of an
// expired session ends, and what the SDK clients do about the 404.
//
// What the clients do (pinned below): neither the SDK v1 Streamable HTTP client (1.32.2) nor the v2
// client (2.4.0, 2025 era) re-initializes by itself. A request on an expired session rejects with an
// HTTP 404 error (v1: StreamableHTTPError code 404) and the transport keeps the dead session id; the
// application recovers by connecting again (a new transport), which runs initialize and gets a new id.
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, mcpClient, openLegacySse, postMessage, startCluster } from './cluster.ts';

const TTL_S = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['dynamodb', 'memory'] as const)(`session expiry (STORE=%s, SESSION_TTL_S=${TTL_S})`, (kind) => {
  let c: Cluster;
  let token: string;

  beforeAll(async () => {
    c = await startCluster(kind, { SESSION_TTL_S: String(TTL_S) });
    token = await c.token('alice');
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('idle sessions expire everywhere (404), active ones live on; SDK clients get 404 and recover by reconnecting', async () => {
    const raw = mcpClient(token);
    const idle = await raw.initialize(c.a.mcp);
    const active = await raw.initialize(c.a.mcp);
    const stream = await raw.get(c.b.mcp, idle.sessionId);
    await stream.next((e) => e.data === '');
    const legacy = await openLegacySse(c.a.origin, token);
    legacy.reader.close();

    const v1Transport = new TransportV1(new URL(c.a.mcp), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const v1 = new ClientV1({ name: 'v1-expiry', version: '1.0.0' });
    await v1.connect(v1Transport);
    const v1Session = v1Transport.sessionId!;
    const v2Transport = new TransportV2(new URL(c.b.mcp), { authProvider: { token: async () => token } });
    const v2 = new ClientV2({ name: 'v2-expiry', version: '1.0.0' });
    await v2.connect(v2Transport);
    expect(v2Transport.sessionId).toBeTruthy();

    // Keep `active` busy (alternating instances) past the TTL; everything else stays idle.
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < (TTL_S + 1.5) * 1000) {
      const r = await raw.request(i++ % 2 ? c.a.mcp : c.b.mcp, active.sessionId, 'tools/list');
      expect(r.status).toBe(200);
      await sleep(3_000);
    }

    // The idle session is gone on both instances and every route.
    for (const target of [c.a, c.b]) {
      const r = await raw.request(target.mcp, idle.sessionId, 'tools/list');
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe(-32001);
      const get = await raw.get(target.mcp, idle.sessionId);
      expect(get.status).toBe(404);
      get.close();
      expect(await raw.del(target.mcp, idle.sessionId)).toBe(404);
      const msg = await postMessage(target.origin, legacy.endpoint, token, { jsonrpc: '2.0', id: 1, method: 'ping' });
      expect(msg.status).toBe(404);
    }
    // Its open GET stream ended by itself (the periodic session check), without a retry hint.
    expect(await Promise.race([stream.ended, sleep(7_000).then(() => 'open')])).toBe('end');
    // The active session is alive.
    expect((await raw.request(c.a.mcp, active.sessionId, 'tools/list')).status).toBe(200);

    // SDK v1: the call rejects with HTTP 404; the transport keeps the dead id; no re-initialize.
    const err = await v1.callTool({ name: 'echo', arguments: { text: 'late' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: number }).code).toBe(404);
    expect(v1Transport.sessionId).toBe(v1Session);
    await v1.close();
    // Recovery is the application's: connect again -> initialize -> a new session that works.
    const v1b = new ClientV1({ name: 'v1-expiry', version: '1.0.0' });
    const v1bTransport = new TransportV1(new URL(c.b.mcp), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await v1b.connect(v1bTransport);
    expect(v1bTransport.sessionId).toBeTruthy();
    expect(v1bTransport.sessionId).not.toBe(v1Session);
    const echo = await v1b.callTool({ name: 'echo', arguments: { text: 'again' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'again' }]);
    await v1b.close();

    // SDK v2 (2025 era): the same, a rejected call and no automatic re-initialize.
    const err2 = await v2.callTool({ name: 'echo', arguments: { text: 'late' } }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Error);
    expect(String((err2 as Error).message)).toMatch(/404|not found/i);
    await v2.close();
  });
});
