// Every piece of a session's background work has a bound shorter than the function timeout, derived from
// the invocation deadline: a tool that never returns (and ignores its signal) must not keep the
// invocation alive. The client gets a JSON-RPC error for the cut-off request, and the work settles
// before the deadline. And only a real store outage is answered 503: a bug stays a bug.
// The session handlers run in-process with the real SDK server, the demo tools and the memory stores.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { createServerFactory } from '../../../lib/mcp/server.ts';
import { createSessionfulHandler } from '../../../lib/mcp/sessions/handler.ts';
import { createLegacySseHandler } from '../../../lib/mcp/sessions/legacy-sse.ts';
import {
  createMemoryStores,
  eventIdFor,
  newSessionId,
  type Stores,
  StoreUnavailableError,
} from '../../../lib/store/index.ts';
import { tools } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true' });
const authInfo: AuthInfo = toAuthInfo({
  subject: 'alice',
  clientId: 'c',
  scopes: ['mcp:tools'],
  expiresAt: 0,
  issuer: '',
});
const factory = createServerFactory(tools, (server) => {
  // A tool that never returns and never looks at its signal.
  server.registerTool('hang', { description: 'never returns' }, () => new Promise(() => {}));
});

async function session(stores: Stores, initialized = true) {
  return stores.sessions.create({
    id: newSessionId(),
    subject: 'alice',
    clientId: 'c',
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    clientInfo: { name: 'bounds', version: '1' },
    initialized,
  });
}

/** A context whose deadline is `ms` away, collecting the work registered with waitUntil. */
function shortLived(ms: number) {
  const work: Array<Promise<unknown>> = [];
  const deadline = Date.now() + ms;
  const ctx = testContext({ deadline, waitUntil: (w) => void work.push(typeof w === 'function' ? w() : w) });
  return { ctx, deadline, settled: () => Promise.all(work).then(() => Date.now()) };
}

const call = (id: number, name: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});

describe('background work is bounded by the invocation deadline', () => {
  it('legacy POST /messages/: a hanging tool is cut before the deadline and the stream gets an error', async () => {
    const stores = createMemoryStores(cfg);
    const s = await session(stores);
    const handler = createLegacySseHandler(cfg, { factory, stores });
    const life = shortLived(2_500);
    const res = await handler(
      new Request(`http://127.0.0.1:3000/messages/?sessionId=${s.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call(1, 'hang')),
      }),
      authInfo,
      life.ctx,
    );
    expect(res.status).toBe(202);
    const settledAt = await life.settled();
    expect(settledAt).toBeLessThan(life.deadline);
    const stream = await stores.events.readAfter(eventIdFor(s.id, 'sse', 0));
    expect(stream?.events.map((e) => e.message)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Request timed out' } },
    ]);
  });

  it('2025 POST: the hanging call is answered with an error, the stream ends, the work settles before the deadline', async () => {
    const stores = createMemoryStores(cfg);
    const s = await session(stores);
    const handler = createSessionfulHandler(cfg, { factory, stores });
    const life = shortLived(2_500);
    const res = await handler(
      new Request('http://127.0.0.1:3000/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': s.id,
        },
      }),
      { authInfo, parsedBody: [call(1, 'echo'), call(2, 'hang')] },
      life.ctx,
    );
    expect(res.status).toBe(200);
    const text = await res.text(); // ends: the stream does not wait for the deadline of the platform
    const settledAt = await life.settled();
    expect(settledAt).toBeLessThan(life.deadline);
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)));
    expect(data.find((m) => m.id === 1)).toMatchObject({ result: { content: [{ text: expect.any(String) }] } });
    expect(data.find((m) => m.id === 2)).toMatchObject({ error: { code: -32603, message: 'Request timed out' } });
  });
});

describe('only a store outage is a 503', () => {
  const post = (sessionId: string) =>
    new Request('http://127.0.0.1:3000/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
    });

  it('StoreUnavailableError gives 503 with Retry-After; any other error propagates (lib/http answers 500)', async () => {
    const real = createMemoryStores(cfg);
    const s = await session(real);
    let failure: Error = new StoreUnavailableError('Store unavailable: read session failed (TimeoutError)');
    const stores: Stores = {
      ...real,
      sessions: {
        ...real.sessions,
        get: async () => {
          throw failure;
        },
      },
    };
    const handler = createSessionfulHandler(cfg, { factory, stores });
    const body = { authInfo, parsedBody: call(1, 'echo') };
    const outage = await handler(post(s.id), body, testContext());
    expect(outage.status).toBe(503);
    expect(outage.headers.get('retry-after')).toBe('1');
    failure = new RangeError('Maximum call stack size exceeded');
    await expect(handler(post(s.id), body, testContext())).rejects.toThrow(RangeError);
  });
});
