// Through a real Traefik binary (TRAEFIK_BIN): streaming is not buffered, the seed's rate limit
// answers 429 with Retry-After (never 5xx), the expensive tool's stricter limit found by the 2026-07-28
// routing headers (Mcp-Method, Mcp-Name), streams are exempt from it but capped per IP, TLS with
// the dev CA, the http->https redirect, forwarded headers, and no token in the access log.
// The origins are tiny node:http servers on 127.0.0.1:0 so the suite tests Traefik's behaviour and
// nothing else; the real local host has its own e2e suites.
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTraefik, startTraefik } from '../../../local/traefik.ts';

const BIN = process.env.TRAEFIK_BIN;
if (!BIN) {
  console.log(
    '[traefik e2e] SKIPPED: TRAEFIK_BIN is not set. No Traefik binary can be installed from a registry here; ' +
      'set TRAEFIK_BIN=/path/to/traefik (v3) to run this suite.',
  );
}

const CHUNKS = 5;
const CHUNK_MS = 200;
/** performance.now() of each chunk the stand-in origin writes for POST /mcp (same process, same clock). */
const originWrites: number[] = [];

/** The stand-in for the local host: PRM, a stream_demo-like POST /mcp, GET /sse, POST /messages/. */
function mcpOrigin(): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/.well-known/oauth-protected-resource/echo') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ headers: req.headers }));
    } else if (url.pathname.startsWith('/.well-known/oauth-protected-resource')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource: 'https://mcp.localhost/mcp', authorization_servers: ['x'] }));
    } else if (url.pathname === '/mcp' && req.method === 'POST' && req.headers['mcp-name']) {
      // a 2026-07-28 tools/call (routing headers set): answered at once, so only the rate limits decide
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ tool: req.headers['mcp-name'] }));
      });
    } else if (url.pathname === '/mcp' && req.method === 'POST') {
      // like stream_demo: chunks over time, no content-length, not marked text/event-stream so that
      // only Traefik's flush setting (not Go's SSE special case) decides whether it streams
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let i = 0;
      const timer = setInterval(() => {
        res.write(`${JSON.stringify({ chunk: ++i })}\n`);
        originWrites.push(performance.now());
        if (i === CHUNKS) {
          clearInterval(timer);
          res.end();
        }
      }, CHUNK_MS);
      res.write(`${JSON.stringify({ chunk: 0 })}\n`);
      originWrites.push(performance.now());
      req.on('close', () => clearInterval(timer));
    } else if ((url.pathname === '/sse' || url.pathname === '/mcp') && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: endpoint\ndata: /messages/?sessionId=abc\n\n');
      const timer = setInterval(() => res.write(': keepalive\n\n'), 100);
      req.on('close', () => clearInterval(timer));
    } else if (url.pathname.startsWith('/messages')) {
      req.resume();
      req.on('end', () => {
        res.writeHead(202);
        res.end('Accepted');
      });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    }
  });
}

function asOrigin(): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server/realms/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: `https://${req.headers['x-forwarded-host']}/realms/mcp` }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
}

async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Distinct free ports: held open together, then released for Traefik. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => http.createServer());
  const ports = await Promise.all(servers.map(listen));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the request was sent, one entry per body data event. */
  arrivals: number[];
  /** performance.now() when the request was sent: arrivals are relative to it. */
  startedAt: number;
}

describe.skipIf(!BIN)('Traefik front door (real binary from TRAEFIK_BIN)', () => {
  let traefik: RunningTraefik;
  let ca: Buffer;
  let httpsPort: number;
  let httpPort: number;
  let workDir: string;
  const origins: http.Server[] = [];
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  function send(
    p: string,
    init: {
      method?: string;
      host?: string;
      servername?: string;
      headers?: Record<string, string>;
      body?: string;
      agent?: https.Agent;
    } = {},
  ): Promise<Reply> {
    const host = init.host ?? 'mcp.localhost';
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: httpsPort,
          servername: init.servername ?? host,
          method: init.method ?? 'GET',
          path: p,
          ca,
          agent: init.agent ?? agent,
          headers: { host: `${host}:${httpsPort}`, ...init.headers },
        },
        (res) => {
          const arrivals: number[] = [];
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            arrivals.push(performance.now() - started);
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, arrivals, startedAt: started }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  /** Opens a stream and resolves once its first bytes arrived; `events` keeps counting. */
  function openStream(p: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; events: () => number; ended: () => boolean; close: () => void }>(
      (resolve, reject) => {
        let count = 0;
        let ended = false;
        const req = https.request(
          {
            host: '127.0.0.1',
            port: httpsPort,
            servername: 'mcp.localhost',
            path: p,
            ca,
            agent: false,
            headers: { host: `mcp.localhost:${httpsPort}`, accept: 'text/event-stream', ...headers },
          },
          (res) => {
            res.on('data', () => count++);
            res.on('end', () => {
              ended = true;
            });
            res.on('error', () => {
              ended = true;
            });
            const handle = {
              status: res.statusCode ?? 0,
              events: () => count,
              ended: () => ended,
              close: () => req.destroy(),
            };
            if (res.statusCode !== 200) {
              res.resume();
              resolve(handle);
            } else res.once('data', () => resolve(handle));
          },
        );
        req.on('error', (e) => (count === 0 ? reject(e) : undefined));
        req.end();
      },
    );
  }

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'traefik-e2e-'));
    const mcp = mcpOrigin();
    const as = asOrigin();
    origins.push(mcp, as);
    const [hostPort, asPort] = await Promise.all([listen(mcp), listen(as)]);
    const [a, b, pingPort] = await freePorts(3);
    httpsPort = a!;
    httpPort = b!;
    traefik = await startTraefik({
      bin: BIN,
      hostPort: hostPort!,
      asPort: asPort!,
      httpsPort,
      httpPort,
      pingPort: pingPort!,
      certDir: path.join(workDir, 'certs'),
      accessLogFile: path.join(workDir, 'access.log'),
    });
    ca = await readFile(traefik.caFile);
  });

  afterAll(async () => {
    agent.destroy();
    await traefik?.stop();
    for (const s of origins) {
      s.closeAllConnections();
      s.close();
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('serves the PRM over https with the dev certificate (verified against the dev CA)', async () => {
    const r = await send('/.well-known/oauth-protected-resource/mcp');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).resource).toBe('https://mcp.localhost/mcp');
    expect(traefik.urls.mcp).toBe(`https://mcp.localhost:${httpsPort}/mcp`);
  });

  it('refuses the certificate to a client that does not trust the dev CA', async () => {
    const err = await new Promise<Error>((resolve) => {
      https
        .get({
          host: '127.0.0.1',
          port: httpsPort,
          servername: 'mcp.localhost',
          path: '/.well-known/oauth-protected-resource',
          agent: false,
        })
        .on('error', resolve)
        .on('response', () => resolve(new Error('connected')));
    });
    expect((err as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  it('routes auth.localhost to the AS: RFC 8414 path-insertion discovery works over https', async () => {
    const r = await send('/.well-known/oauth-authorization-server/realms/mcp', { host: 'auth.localhost' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).issuer).toBe(`https://auth.localhost:${httpsPort}/realms/mcp`);
  });

  it('redirects plain http to https on the websecure port (301 for GET, 308 keeps the method of a POST)', async () => {
    const viaHttp = (method: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .request(
            { host: '127.0.0.1', port: httpPort, method, path: '/mcp', headers: { host: `mcp.localhost:${httpPort}` } },
            resolve,
          )
          .on('error', reject)
          .end(),
      );
    for (const [method, status] of [
      ['GET', 301],
      ['POST', 308],
    ] as const) {
      const res = await viaHttp(method);
      res.resume();
      expect(res.statusCode, method).toBe(status);
      expect(res.headers.location).toBe(`https://mcp.localhost:${httpsPort}/mcp`);
    }
  });

  it('does not route unknown hosts or paths', async () => {
    // SNI mcp.localhost (so the certificate checks out), Host header of another name
    expect((await send('/mcp', { servername: 'mcp.localhost', host: 'other.localhost', method: 'POST' })).status).toBe(
      404,
    );
    expect((await send('/admin')).status).toBe(404);
  });

  it('replaces client-sent X-Forwarded-* headers (trusted from nobody) and keeps the token out of the access log', async () => {
    const r = await send('/.well-known/oauth-protected-resource/echo', {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
        authorization: 'Bearer secret-token-e2e-0123456789',
      },
    });
    const seen = JSON.parse(r.body).headers as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(`mcp.localhost:${httpsPort}`);
    expect(seen['x-forwarded-proto']).toBe('https');
    await new Promise((r) => setTimeout(r, 300));
    const log = await readFile(traefik.accessLogFile, 'utf8');
    const lines = log.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    const entry = lines
      .map((l) => JSON.parse(l))
      .find((e) => e.RequestPath === '/.well-known/oauth-protected-resource/echo');
    expect(entry).toBeDefined();
    expect(log).not.toContain('secret-token-e2e');
    expect(entry.request_Authorization).toBeUndefined();
  });

  it('streams: chunks arrive one by one through Traefik, not in one piece at the end', async () => {
    originWrites.length = 0;
    const r = await send('/mcp', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.body.trim().split('\n')).toHaveLength(CHUNKS + 1);
    // every chunk is its own data event, and they are spread over ~CHUNKS*CHUNK_MS
    expect(r.arrivals.length).toBeGreaterThanOrEqual(CHUNKS);
    const first = r.arrivals[0]!;
    const last = r.arrivals[r.arrivals.length - 1]!;
    expect(last - first).toBeGreaterThan((CHUNKS - 1) * CHUNK_MS * 0.8);
    // Ordering, not speed: the first chunk reached the client before the origin had written its last one.
    expect(originWrites).toHaveLength(CHUNKS + 1);
    expect(r.startedAt + first).toBeLessThan(originWrites.at(-1)!);
  });

  it('a tools/call of stream_demo (Mcp-Method/Mcp-Name) has its own stricter bucket; other tools keep the seed one', async () => {
    const call = (tool: string, extra: Record<string, string> = {}) =>
      send('/mcp', {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
        headers: { 'content-type': 'application/json', 'mcp-method': 'tools/call', 'mcp-name': tool, ...extra },
      });
    await new Promise((r) => setTimeout(r, 600)); // the seed bucket refills after earlier tests
    const started = performance.now();
    const expensive = [];
    for (let i = 0; i < 8; i++) expensive.push(await call('stream_demo'));
    const elapsed = performance.now() - started;
    const ok = expensive.filter((r) => r.status === 200);
    const limited = expensive.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(8);
    // burst 3, then 6 a minute: one more token every 10 s at most
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(ok.length).toBeLessThanOrEqual(3 + Math.floor(elapsed / 10_000));
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expect(r.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    for (const r of ok) expect(JSON.parse(r.body)).toEqual({ tool: 'stream_demo' });
    // the same caller, any other tool: the seed bucket still has room
    const others = [];
    for (let i = 0; i < 8; i++) others.push(await call('echo'));
    expect(others.map((r) => r.status)).toEqual(Array(8).fill(200));
    // header names in another case still count as stream_demo's (the drained bucket answers 429)
    const renamed = await send('/mcp', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'MCP-METHOD': 'tools/call', 'MCP-NAME': 'stream_demo' },
    });
    expect(renamed.status).toBe(429);
    await new Promise((r) => setTimeout(r, 600)); // leave the seed bucket full for the next test
  });

  it('200 requests in one second from one IP: 429 with Retry-After past the bucket, no 5xx; an SSE stream stays open', async () => {
    const sse = await openStream('/sse');
    expect(sse.status).toBe(200);
    // a forged X-Forwarded-For must not buy a fresh bucket
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 4)).then(() =>
          send('/messages/?sessionId=abc', {
            method: 'POST',
            body: '{}',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i % 250}` },
          }),
        ),
      ),
    );
    const elapsed = performance.now() - started;
    const by = (s: number) => replies.filter((r) => r.status === s);
    const ok = by(202);
    const limited = by(429);
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
    expect(ok.length + limited.length).toBe(200);
    expect(limited.length).toBeGreaterThan(0);
    // burst 25 plus 50/s refill over the run (with slack for the up-to-10 ms waits)
    expect(ok.length).toBeGreaterThanOrEqual(25);
    expect(ok.length).toBeLessThanOrEqual(25 + Math.ceil((50 * elapsed) / 1000) + 5);
    for (const r of limited) {
      expect(r.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    }
    // the stream opened before the burst is still open and still delivering
    const before = sse.events();
    await new Promise((r) => setTimeout(r, 400));
    expect(sse.ended()).toBe(false);
    expect(sse.events()).toBeGreaterThan(before);
    // streams are not charged to the drained bucket: a new one opens at once
    const another = await openStream('/sse');
    expect(another.status).toBe(200);
    another.close();
    sse.close();
  });

  it('caps concurrent streams per IP (inFlightReq): the 11th GET stream gets 429, a freed slot works again', async () => {
    await new Promise((r) => setTimeout(r, 300)); // streams of earlier tests are released
    const streams = [];
    for (let i = 0; i < 10; i++) streams.push(await openStream(i % 2 ? '/sse' : '/mcp'));
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    const over = await openStream('/sse');
    expect(over.status).toBe(429);
    streams.pop()!.close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await openStream('/sse');
    expect(again.status).toBe(200);
    again.close();
    for (const s of streams) s.close();
  });
});
