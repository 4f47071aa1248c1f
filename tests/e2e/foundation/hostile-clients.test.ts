// The local host survives any client, as Function URLs do (issue #17, B1-B4): raw sockets against a real host process
// (`node local/start.ts`, a fresh one per case) that drop a request mid-body or send a request target WHATWG URL cannot parse. Each case
// checks the answer (400 for a malformed target), that the process is still running, and that it serves the next
// request.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

let issuer: TestIssuer;
let host: HostProcess;
let port: number;

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer?.stop();
});

// A fresh host per case, so that each reproduction fails on its own when the host cannot take it.
beforeEach(async () => {
  host = await startHostProcess({ AUTH_ISSUER: issuer.issuer });
  port = Number(new URL(host.origin).port);
});
afterEach(async () => {
  await host?.stop();
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `head` (and `body`), then resets the connection without waiting for an answer. */
async function sendAndDrop(head: string, body: Buffer | string): Promise<void> {
  const socket = await connect();
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.write(head, () => resolve()));
  await new Promise<void>((resolve) => socket.write(body, () => resolve()));
  // Let the host start reading the body before the client vanishes.
  await new Promise((r) => setTimeout(r, 100));
  socket.resetAndDestroy();
}

/** Sends raw bytes and returns the status line and body of the answer (the host closes the connection). */
async function rawExchange(request: string): Promise<{ statusLine: string; body: string }> {
  const socket = await connect();
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    data += c;
  });
  socket.end(request);
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  const [head = '', body = ''] = data.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0] ?? '', body };
}

/** The host is still the same running process and answers a normal request. */
async function expectAlive(): Promise<void> {
  // A crash from the previous case lands within a tick of the socket error; give it room to happen.
  await new Promise((r) => setTimeout(r, 300));
  expect(host.child.exitCode, host.stderr()).toBeNull();
  expect(host.child.signalCode).toBeNull();
  const res = await fetch(`${host.origin}/.well-known/oauth-protected-resource/mcp`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { resource: string }).resource).toBe(host.mcpUrl);
  expect(host.stderr()).not.toMatch(/ECONNRESET|Invalid URL|Unhandled|TypeError/);
}

const postHead = (length: number) =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n\r\n`;

describe('the local host survives hostile clients', () => {
  it('B1: a client that declares 1000 bytes, sends {"jsonrpc": and resets the connection', async () => {
    await sendAndDrop(postHead(1000), '{"jsonrpc":');
    await expectAlive();
  });

  it('B2: a client that resets after 1 MB of a declared 2 MB body', async () => {
    await sendAndDrop(postHead(2 * 1024 * 1024), Buffer.alloc(1024 * 1024, 0x20));
    await expectAlive();
  });

  it('B3: GET //[ (a target URL cannot parse) is answered 400', async () => {
    const r = await rawExchange(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(r.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(r.body)).toEqual({ message: 'Invalid request target' });
    await expectAlive();
  });

  it('B4: POST http://[x/mcp (an absolute-form target URL cannot parse) is answered 400', async () => {
    const r = await rawExchange(
      `POST http://[x/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(r.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    await expectAlive();
  });

  it('after all of them in a row, a client still gets the 401 challenge on /mcp from the same process', async () => {
    await sendAndDrop(postHead(1000), '{"jsonrpc":');
    await rawExchange(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    await rawExchange(`POST http://[x/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(host.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    await res.body?.cancel();
    expect(host.child.exitCode).toBeNull();
  });
});
