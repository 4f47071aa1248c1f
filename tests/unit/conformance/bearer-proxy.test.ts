// The authenticated conformance run's front door: adds the bearer token, keeps Host and Origin as the
// client sent them (the DNS-rebinding scenario depends on it), and streams responses unbuffered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BearerProxy, startBearerProxy } from '../../../scripts/conformance/bearer-proxy.ts';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function upstream(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function proxyTo(origin: string | undefined): Promise<BearerProxy> {
  const proxy = await startBearerProxy({ upstream: origin, token: () => 'tkn-123' });
  stops.push(proxy.close);
  return proxy;
}

describe('bearer proxy', () => {
  it('answers 503 until it knows its upstream', async () => {
    const proxy = await proxyTo(undefined);
    expect((await fetch(`${proxy.origin}/mcp`)).status).toBe(503);
  });

  it('replaces any Authorization with its own token and forwards Host, Origin, method, path and body', async () => {
    let seen: { headers: http.IncomingHttpHeaders; method?: string; url?: string; body: string } | undefined;
    const origin = await upstream((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        seen = { headers: req.headers, method: req.method, url: req.url, body };
        res.writeHead(201, { 'x-up': '1' }).end('done');
      });
    });
    const proxy = await proxyTo(origin);
    const res = await new Promise<{ status?: number; header?: string | string[] }>((resolve, reject) => {
      const req = http.request(`${proxy.origin}/mcp?x=1`, {
        method: 'POST',
        headers: { host: 'evil.example.com', origin: 'http://evil.example.com', authorization: 'Bearer other' },
      });
      req.once('response', (r) => {
        r.resume();
        r.once('end', () => resolve({ status: r.statusCode, header: r.headers['x-up'] }));
      });
      req.once('error', reject);
      req.end('{"a":1}');
    });
    expect(res).toEqual({ status: 201, header: '1' });
    expect(seen).toMatchObject({ method: 'POST', url: '/mcp?x=1', body: '{"a":1}' });
    expect(seen!.headers.authorization).toBe('Bearer tkn-123');
    expect(seen!.headers.host).toBe('evil.example.com');
    expect(seen!.headers.origin).toBe('http://evil.example.com');
  });

  it('streams: the first SSE event arrives before the upstream ends the response', async () => {
    let finish: () => void = () => {};
    const origin = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: last\n\n');
    });
    const proxy = await proxyTo(origin);
    const res = await fetch(`${proxy.origin}/mcp`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    finish();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('data: last\n\n');
  });

  it('answers 502 when the upstream is down', async () => {
    const origin = await upstream((_req, res) => res.end());
    const proxy = await proxyTo(origin);
    await stops.shift()!();
    expect((await fetch(`${proxy.origin}/mcp`)).status).toBe(502);
  });
});
