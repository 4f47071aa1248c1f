// Issue #17, B1-B4: a client can kill the whole local host (`npm start`) without a token. Function URLs
// survive any client, so the emulator must too: each abuse gets a host of its own, and afterwards the
// host must still run and answer. Malformed request targets are answered 400.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, rawShot } from './clients.ts';
import { type AttackHost, startAttackHost } from './host.ts';

let host: AttackHost;

beforeEach(async (ctx) => {
  host = await startAttackHost(`crash-${ctx.task.name.slice(0, 2).toLowerCase()}`);
}, 60_000);

afterEach(async () => {
  await host?.stop();
});

/** The host is still running and answers a fresh connection. */
async function expectAlive(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500)); // an unhandled rejection takes a tick or two to end the process
  expect(host.exit(), 'the host process exited').toBeUndefined();
  const health = await call({ port: host.port }, 'GET', '/.well-known/oauth-protected-resource/mcp', {});
  expect(health.status).toBe(200);
}

const head = (line: string, extra: string) => `${line}\r\nHost: 127.0.0.1\r\nUser-Agent: attack-raw\r\n${extra}`;

describe('issue #17: the local host survives any client', () => {
  it('B1: POST /mcp with Content-Length 1000, `{"jsonrpc":`, then the client closes', async () => {
    await rawShot(
      { port: host.port },
      [head('POST /mcp HTTP/1.1', 'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n'), '{"jsonrpc":'],
      { close: true, settleMs: 10_000 },
    );
    await expectAlive();
  });

  it('B2: 1 MB of a declared 2 MB body, then the client closes', async () => {
    await rawShot(
      { port: host.port },
      [
        head('POST /mcp HTTP/1.1', 'Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n'),
        Buffer.alloc(1024 * 1024, 0x61),
      ],
      { close: true, settleMs: 10_000 },
    );
    await expectAlive();
  });

  it('B3: `GET //[ HTTP/1.1` -> 400', async () => {
    const r = await rawShot({ port: host.port }, [head('GET //[ HTTP/1.1', '\r\n')], {
      close: false,
      settleMs: 10_000,
    });
    expect(r.status).toBe(400);
    await expectAlive();
  });

  it('B4: `POST http://[x/mcp HTTP/1.1` -> 400', async () => {
    const r = await rawShot({ port: host.port }, [head('POST http://[x/mcp HTTP/1.1', 'Content-Length: 2\r\n\r\n{}')], {
      close: false,
      settleMs: 10_000,
    });
    expect(r.status).toBe(400);
    await expectAlive();
  });
});
