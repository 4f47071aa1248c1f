// The real local host (the same bundles SAM deploys) behind a real Traefik (TRAEFIK_BIN): an official
// SDK client calls stream_demo through https://mcp.localhost:<port>/mcp and the progress arrives
// incrementally; PRM, the 401 challenge and AS discovery work over https with the dev CA.
// *.localhost may not resolve in Node here, so requests go to 127.0.0.1 with the right SNI and Host.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Client, type FetchLike, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTraefik, startTraefik } from '../../../local/traefik.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

const BIN = process.env.TRAEFIK_BIN;
if (!BIN) {
  console.log(
    '[traefik stack e2e] SKIPPED: TRAEFIK_BIN is not set (path of a Traefik v3 binary); nothing to run it with.',
  );
}

/** fetch over node:https to 127.0.0.1, keeping the URL's host for SNI and Host, trusting `ca`. */
function loopbackFetch(ca: Buffer): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: Number(url.port || 443),
          servername: url.hostname,
          method: request.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...Object.fromEntries(request.headers), host: url.host },
          ca,
          agent: false,
        },
        (res) => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
          const status = res.statusCode ?? 0;
          const empty = status === 204 || status === 304 || request.method === 'HEAD';
          if (empty) res.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers }),
          );
        },
      );
      req.on('error', reject);
      request.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(body);
    });
  };
}

async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => http.createServer());
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))),
    ),
  );
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

describe.skipIf(!BIN)('local host behind Traefik (real binary from TRAEFIK_BIN)', () => {
  let issuer: TestIssuer;
  let host: HostProcess;
  let traefik: RunningTraefik;
  let fetchVia: FetchLike;
  let publicUrl: string;
  let token: string;

  beforeAll(async () => {
    const [httpsPort, httpPort, pingPort, hostPort] = await freePorts(4);
    publicUrl = `https://mcp.localhost:${httpsPort}/mcp`;
    issuer = await startTestIssuer();
    host = await startHostProcess({ PORT: String(hostPort), MCP_PUBLIC_URL: publicUrl, AUTH_ISSUER: issuer.issuer });
    traefik = await startTraefik({
      bin: BIN,
      hostPort: hostPort!,
      asPort: Number(new URL(issuer.issuer).port),
      httpsPort,
      httpPort,
      pingPort,
      accessLogFile: `${process.env.TEST_LOG_DIR ?? '/tmp'}/traefik-stack-access-${process.pid}.log`,
    });
    expect(traefik.urls.mcp).toBe(publicUrl);
    fetchVia = loopbackFetch(await readFile(traefik.caFile));
    token = await issuer.token({ audience: publicUrl, scope: 'mcp:tools' });
  });

  afterAll(async () => {
    await traefik?.stop();
    await host?.stop();
    await issuer?.stop();
  });

  it('serves the PRM with the public https URL as the resource', async () => {
    const res = await fetchVia(
      `https://mcp.localhost:${new URL(publicUrl).port}/.well-known/oauth-protected-resource/mcp`,
    );
    expect(res.status).toBe(200);
    const prm = (await res.json()) as { resource: string; authorization_servers: string[] };
    expect(prm.resource).toBe(publicUrl);
    expect(prm.authorization_servers).toEqual([issuer.issuer]);
  });

  it('challenges an unauthenticated call with the PRM URL behind Traefik', async () => {
    const res = await fetchVia(publicUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="https://mcp.localhost:${new URL(publicUrl).port}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('routes AS discovery on auth.localhost to the AS', async () => {
    const res = await fetchVia(`${traefik.urls.auth}/realms/mcp/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(issuer.issuer);
  });

  it('streams stream_demo progress incrementally through Traefik (SDK v2 client)', async () => {
    const client = new Client({ name: 'e2e-traefik', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(publicUrl), {
        fetch: fetchVia,
        authProvider: { token: async () => token },
      }),
    );
    const started = performance.now();
    const arrivals: number[] = [];
    const result = await client.callTool(
      { name: 'stream_demo', arguments: { chunks: 5, interval_ms: 200 } },
      { onprogress: () => arrivals.push(performance.now() - started) },
    );
    const done = performance.now() - started;
    expect(arrivals).toHaveLength(5);
    expect(arrivals[4]! - arrivals[0]!).toBeGreaterThan(600);
    expect(done - arrivals[0]!).toBeGreaterThan(600);
    expect(result.isError).toBeFalsy();
    await client.close();
  });
});
