// The local Function URL emulator (local/host.ts, local/runtime.ts) against what Lambda does: the payload 2.0
// event, the streaming prelude and its parsing, chunks that leave while the function still runs, the 502s
// (nothing written, an error, the deadline), a client that goes away, headers and cookies both ways.
// Real sockets, a real host; the functions are small fixture bundles written to a temporary root (AWS itself
// is what is stood in for here, by the emulator under test).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHost, startHost } from '../../../local/host.ts';

const TEMPLATE = `
Resources:
  StreamFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: functions/stream.handler
      Timeout: 30
      MemorySize: 256
      FunctionUrlConfig:
        InvokeMode: RESPONSE_STREAM
    Metadata:
      Routes: ['ANY /s/*']
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: functions/slow.handler
      Timeout: 1
      FunctionUrlConfig:
        InvokeMode: RESPONSE_STREAM
    Metadata:
      Routes: ['ANY /slow/*']
  BufferedFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: functions/buffered.handler
    Metadata:
      Routes: ['ANY /b']
`;

// One shared state object across the fixture modules (they are loaded into this process by the host).
const STREAM_FN = `
const T = (globalThis.__hostEmulationTest ??= { gates: new Map(), closed: new Map() });
const open = (rs, statusCode, headers, cookies) =>
  awslambda.HttpResponseStream.from(rs, { statusCode, headers, ...(cookies ? { cookies } : {}) });
export const handler = awslambda.streamifyResponse(async (event, rs, context) => {
  const p = event.rawPath;
  const id = new URLSearchParams(event.rawQueryString).get('id');
  if (p === '/s/event') {
    const out = open(rs, 201, { 'content-type': 'application/json', 'x-a': '1' }, ['a=1; Path=/', 'b=2']);
    out.end(JSON.stringify({ event, awsRequestId: context.awsRequestId, functionName: context.functionName,
      memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() }));
    return;
  }
  if (p === '/s/gate') {
    const out = open(rs, 200, { 'content-type': 'text/plain' });
    out.write('one\\n');
    await new Promise((r) => T.gates.set(id, r));
    out.write('two\\n');
    out.end('three\\n');
    return;
  }
  if (p === '/s/release') {
    T.gates.get(id)?.();
    open(rs, 200, {}).end(T.gates.has(id) ? 'released' : 'no such gate');
    return;
  }
  if (p === '/s/gone') {
    const out = open(rs, 200, { 'content-type': 'text/plain' });
    out.write('one\\n');
    await new Promise((r) => rs.once('close', r));
    T.closed.set(id, { destroyed: rs.destroyed, finished: rs.writableFinished });
    return;
  }
  if (p === '/s/closed') {
    open(rs, 200, { 'content-type': 'application/json' }).end(JSON.stringify(T.closed.get(id) ?? null));
    return;
  }
  if (p === '/s/nothing') return;
  if (p === '/s/throw') throw new Error('boom');
  if (p === '/s/raw-prelude') {
    // The prelude bytes written by hand and split oddly: the Function URL reassembles them.
    rs.setContentType('application/vnd.awslambda.http-integration-response');
    const json = JSON.stringify({ statusCode: 202, headers: { 'x-raw': 'yes' }, cookies: ['r=1'] });
    rs.write(json.slice(0, 7));
    rs.write(Buffer.concat([Buffer.from(json.slice(7)), Buffer.alloc(3)]));
    rs.write(Buffer.concat([Buffer.alloc(5), Buffer.from('bo')]));
    rs.end('dy');
    return;
  }
  if (p === '/s/head-only') {
    // The prelude alone (no body byte yet): the head goes out while the function still runs.
    rs.setContentType('application/vnd.awslambda.http-integration-response');
    const json = JSON.stringify({ statusCode: 200, headers: { 'content-type': 'text/plain', 'x-head': 'early' } });
    rs.write(Buffer.concat([Buffer.from(json), Buffer.alloc(8)]));
    await new Promise((r) => T.gates.set(id, r));
    rs.end('late');
    return;
  }
  open(rs, 404, {}).end('no fixture');
});
`;

const SLOW_FN = `
export const handler = awslambda.streamifyResponse(async (_event, rs) => {
  await new Promise((r) => rs.once('close', r));
});
`;

const BUFFERED_FN = `
export const handler = async (event) => ({
  statusCode: 203,
  headers: { 'x-b': String(event.isBase64Encoded) },
  cookies: ['c=3', 'd=4'],
  body: Buffer.from('bin:' + (event.body ?? '')).toString('base64'),
  isBase64Encoded: true,
});
`;

let root: string;
let host: RunningHost;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'host-emulation-'));
  writeFileSync(path.join(root, 'template.yaml'), TEMPLATE);
  for (const [name, code] of [
    ['stream', STREAM_FN],
    ['slow', SLOW_FN],
    ['buffered', BUFFERED_FN],
  ] as const) {
    mkdirSync(path.join(root, 'dist', name), { recursive: true });
    writeFileSync(path.join(root, 'dist', name, 'index.mjs'), code);
  }
  host = await startHost({ root, port: 0 });
});

afterAll(async () => {
  await host?.close();
  rmSync(root, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  method: string,
  target: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${host.url}${target}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a streamed response and hands back its head and a reader of its body chunks as they arrive. */
function openStream(target: string): Promise<{ res: http.IncomingMessage; next(): Promise<string | null> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${host.url}${target}`, (res) => {
      const queue: (string | null)[] = [];
      const waiters: ((c: string | null) => void)[] = [];
      const push = (c: string | null) => {
        const w = waiters.shift();
        if (w) w(c);
        else queue.push(c);
      };
      res.on('data', (c: Buffer) => push(c.toString()));
      res.on('end', () => push(null));
      resolve({
        res,
        next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
      });
    });
    req.on('error', reject);
  });
}

describe('the payload 2.0 event', () => {
  it('carries what a Function URL sends: path, query, joined headers, split cookies, forwarding, ids, time', async () => {
    const before = Date.now();
    const res = await request(
      'POST',
      '/s/event?a=1&a=2&b=&c=x%20y',
      // An array value goes out as two header lines.
      { 'X-Multi': ['1', '2'], Cookie: 'k1=v1; k2=v2', 'User-Agent': 'ua/1', 'Content-Type': 'application/json' },
      '{"x":1}',
    );
    const after = Date.now();
    expect(res.status).toBe(201);
    const { event, awsRequestId, functionName, memory, remaining } = JSON.parse(res.body);
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/s/event');
    expect(event.rawQueryString).toBe('a=1&a=2&b=&c=x%20y');
    // Payload 2.0: repeated query parameters are joined with commas, values decoded.
    expect(event.queryStringParameters).toEqual({ a: '1,2', b: '', c: 'x y' });
    expect(event.cookies).toEqual(['k1=v1', 'k2=v2']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-multi']).toBe('1,2');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.headers['x-forwarded-proto']).toBe('http');
    expect(event.headers['x-forwarded-port']).toBe(String(host.port));
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const traceSec = Number.parseInt(event.headers['x-amzn-trace-id'].slice(7, 15), 16);
    expect(traceSec).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(traceSec).toBeLessThanOrEqual(Math.floor(after / 1000));
    expect(event.requestContext.http).toEqual({
      method: 'POST',
      path: '/s/event',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'ua/1',
    });
    expect(event.requestContext.domainName).toBe(`127.0.0.1:${host.port}`);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(awsRequestId).toBe(event.requestContext.requestId);
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.timeEpoch).toBeLessThanOrEqual(after);
    // Lambda's format, e.g. 01/Dec/2026:13:05:09 +0000, for the same instant as timeEpoch.
    const d = new Date(event.requestContext.timeEpoch);
    const mon = d.toUTCString().slice(8, 11);
    const pad = (n: number) => String(n).padStart(2, '0');
    expect(event.requestContext.time).toBe(
      `${pad(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`,
    );
    expect(event.body).toBe('{"x":1}');
    expect(event.isBase64Encoded).toBe(false);
    expect(functionName).toBe('StreamFunction');
    expect(memory).toBe('256');
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(30_000);
    // The prelude's head and cookies, as the client sees them.
    expect(res.headers['x-a']).toBe('1');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
  });

  it('gives every invocation its own request id and trace id; no query means no queryStringParameters', async () => {
    const a = JSON.parse((await request('GET', '/s/event')).body);
    const b = JSON.parse((await request('GET', '/s/event')).body);
    expect(a.event.requestContext.requestId).not.toBe(b.event.requestContext.requestId);
    expect(a.event.headers['x-amzn-trace-id']).not.toBe(b.event.headers['x-amzn-trace-id']);
    expect(a.event.queryStringParameters).toBeUndefined();
    expect(a.event.rawQueryString).toBe('');
    expect(a.event.cookies).toBeUndefined();
    expect(a.event.body).toBeUndefined();
    expect(a.event.isBase64Encoded).toBe(false);
  });

  it('passes headers named like Object.prototype members as data', async () => {
    const r = JSON.parse(
      (await request('GET', '/s/event', { constructor: 'c', ['__proto__']: 'p', toString: 't' })).body,
    );
    expect(r.event.headers.constructor).toBe('c');
    expect(r.event.headers.tostring).toBe('t');
    expect(Object.hasOwn(r.event.headers, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(r.event.headers, '__proto__')?.value).toBe('p');
  });

  it('keeps a trace id the client sent and appends to its X-Forwarded-For', async () => {
    const trace = 'Root=1-5f84c7a9-0123456789abcdef01234567';
    const r = JSON.parse(
      (await request('GET', '/s/event', { 'x-amzn-trace-id': trace, 'x-forwarded-for': '198.51.100.1' })).body,
    );
    expect(r.event.headers['x-amzn-trace-id']).toBe(trace);
    expect(r.event.headers['x-forwarded-for']).toBe('198.51.100.1, 127.0.0.1');
  });

  it('base64-encodes a binary body, and a buffered function answers with its head, cookies and base64 body', async () => {
    const res = await request('POST', '/b', { 'content-type': 'application/octet-stream' }, Buffer.from([1, 2, 3]));
    expect(res.status).toBe(203);
    expect(res.headers['x-b']).toBe('true');
    expect(res.headers['set-cookie']).toEqual(['c=3', 'd=4']);
    expect(res.body).toBe(`bin:${Buffer.from([1, 2, 3]).toString('base64')}`);
  });
});

describe('request bodies', () => {
  it('answers 413 to a body over 6 MB without invoking the function, and the host serves on', async () => {
    const res = await request('POST', '/s/event', { 'content-type': 'text/plain' }, Buffer.alloc(6 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body).message).toBe('Request must be smaller than 6291456 bytes');
    const exact = await request('POST', '/b', { 'content-type': 'text/plain' }, 'x'.repeat(1000));
    expect(exact.status).toBe(203);
  });

  it('hands a body that arrives in many chunks to the function whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    big.write('start', 0);
    big.write('end', big.length - 3);
    const r = JSON.parse((await request('POST', '/s/event', { 'content-type': 'text/plain' }, big)).body);
    expect(r.event.body.length).toBe(big.length);
    expect(r.event.body.startsWith('start')).toBe(true);
    expect(r.event.body.endsWith('end')).toBe(true);
  });
});

describe('the response stream', () => {
  it('sends each chunk while the function still runs, then the rest', async () => {
    const s = await openStream('/s/gate?id=g1');
    expect(s.res.statusCode).toBe(200);
    expect(await s.next()).toBe('one\n');
    // Only now does the function go on: the first chunk left before the function ended.
    expect((await request('GET', '/s/release?id=g1')).body).toBe('released');
    let rest = '';
    for (let c = await s.next(); c !== null; c = await s.next()) rest += c;
    expect(rest).toBe('two\nthree\n');
  });

  it('sends the head before any body byte while the function waits', async () => {
    const s = await openStream('/s/head-only?id=h1');
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['x-head']).toBe('early');
    expect((await request('GET', '/s/release?id=h1')).body).toBe('released');
    let rest = '';
    for (let c = await s.next(); c !== null; c = await s.next()) rest += c;
    expect(rest).toBe('late');
  });

  it('reassembles a prelude split across writes, delimiter included', async () => {
    const res = await request('GET', '/s/raw-prelude');
    expect(res.status).toBe(202);
    expect(res.headers['x-raw']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['r=1']);
    expect(res.body).toBe('body');
  });

  it('answers 502 when the function ends without writing, and when it throws', async () => {
    const nothing = await request('GET', '/s/nothing');
    expect(nothing.status).toBe(502);
    expect(JSON.parse(nothing.body).message).toMatch(/ended its response stream without writing/);
    const thrown = await request('GET', '/s/throw');
    expect(thrown.status).toBe(502);
    expect(JSON.parse(thrown.body).message).toBe('Function error: boom');
  });

  it('answers 502 at the function deadline and destroys its stream', async () => {
    const res = await request('GET', '/slow/x');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).message).toBe('Task timed out after 1.00 seconds');
  });

  it('destroys the stream when the client goes away mid-response', async () => {
    const s = await openStream('/s/gone?id=c1');
    expect(await s.next()).toBe('one\n');
    s.res.destroy();
    let seen: unknown = null;
    while (seen === null) {
      seen = JSON.parse((await request('GET', '/s/closed?id=c1')).body);
      if (seen === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual({ destroyed: true, finished: false });
  });

  it('serves many requests on one keep-alive connection, each answered whole', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const bodies = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            new Promise<string>((resolve, reject) => {
              http
                .get(`${host.url}/s/raw-prelude?i=${i}`, { agent }, (res) => {
                  let b = '';
                  res.on('data', (c) => (b += c));
                  res.on('end', () => resolve(`${res.statusCode}:${b}`));
                })
                .on('error', reject);
            }),
        ),
      );
      expect(bodies).toEqual(Array.from({ length: 20 }, () => '202:body'));
    } finally {
      agent.destroy();
    }
  });
});
