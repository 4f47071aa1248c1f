// Local host e2e over real sockets: official SDK clients of both lines call echo and stream_demo,
// and the streamed progress must arrive incrementally (arrival times, not the final text).
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

let issuer: TestIssuer;
let host: HostProcess;
let token: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  host = await startHostProcess({ AUTH_ISSUER: issuer.issuer });
  token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools' });
});

afterAll(async () => {
  await host?.stop();
  await issuer?.stop();
});

function spreadOf(times: number[]) {
  return { first: times[0]!, last: times[times.length - 1]! };
}

describe('SDK v2 client, 2026-07-28 (pinned)', () => {
  it('calls echo and streams stream_demo progress incrementally', async () => {
    const client = new ClientV2(
      { name: 'e2e-v2', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new TransportV2(new URL(host.mcpUrl), { authProvider: { token: async () => token } }));
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello modern' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'hello modern' }]);

    const started = performance.now();
    const arrivals: number[] = [];
    const result = await client.callTool(
      { name: 'stream_demo', arguments: { chunks: 5, interval_ms: 200 } },
      { onprogress: () => arrivals.push(performance.now() - started) },
    );
    const done = performance.now() - started;
    expect(arrivals).toHaveLength(5);
    const { first, last } = spreadOf(arrivals);
    expect(last - first).toBeGreaterThan(600);
    expect(done - first).toBeGreaterThan(600);
    expect(result.content).toEqual([{ type: 'text', text: [1, 2, 3, 4, 5].map((i) => `chunk ${i}/5`).join('\n') }]);
    await client.close();
  });
});

describe('SDK v2 client, 2025 era (default negotiation)', () => {
  it('calls echo', async () => {
    const client = new ClientV2({ name: 'e2e-v2-legacy', version: '1.0.0' });
    await client.connect(new TransportV2(new URL(host.mcpUrl), { authProvider: { token: async () => token } }));
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello 2025' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'hello 2025' }]);
    await client.close();
  });
});

describe('SDK v1 client (2025-era Streamable HTTP)', () => {
  it('calls echo and streams stream_demo progress incrementally', async () => {
    const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
    await client.connect(
      new TransportV1(new URL(host.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello v1' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'hello v1' }]);
    const started = performance.now();
    const arrivals: number[] = [];
    await client.callTool({ name: 'stream_demo', arguments: { chunks: 5, interval_ms: 200 } }, undefined, {
      onprogress: () => arrivals.push(performance.now() - started),
    });
    expect(arrivals).toHaveLength(5);
    const { first, last } = spreadOf(arrivals);
    expect(last - first).toBeGreaterThan(600);
    await client.close();
  });
});
