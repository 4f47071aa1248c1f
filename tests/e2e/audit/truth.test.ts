// The audit record must say what happened, on every route and in every era: a failing tool over legacy
// SSE is a tool_error (not the 202's ok), a JSON-RPC error inside a 200 carries its code, every call of
// a batch gets its record even when the client leaves early, no record carries caller text from an
// error, and tool names that are Object.prototype keys are answered (not a 500) and recorded.
// One real host process (the built bundles), a test issuer, raw HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditRecords,
  type Cluster,
  type Json,
  mcpClient,
  openLegacySse,
  postMessage,
  readSse,
  startCluster,
} from '../sessions/cluster.ts';

let c: Cluster;
let token: string;

beforeAll(async () => {
  c = await startCluster('memory');
  token = await c.token('alice', 'mcp:tools');
});

afterAll(async () => {
  await c?.stop();
});

const records = () => auditRecords(c.a).filter((r) => r.message === 'audit');
const requestRecords = (pred: (r: Json) => boolean) => records().filter((r) => r.kind === 'request' && pred(r));

/** A tools/call message. */
const call = (id: number | string, name: string, args: unknown = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/** POST at 2026-07-28: the headers the spec asks for and the _meta envelope. */
async function modern(name: string, args: unknown = {}) {
  const r = await fetch(c.a.mcp, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'truth', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
  return { status: r.status, text: await r.text() };
}

/** A 2025 session (initialize + initialized) at `protocol`, and a POST helper that reads the whole answer. */
async function session2025(protocol = '2025-11-25') {
  const client = mcpClient(token, protocol);
  const init = await client.initialize(c.a.mcp);
  expect(init.status).toBe(200);
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': protocol,
    'mcp-session-id': init.sessionId,
  };
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(c.a.mcp, { method: 'POST', headers, body: JSON.stringify(body), signal });
  return { sessionId: init.sessionId, post };
}

/** A legacy SSE session with its `initialize` done. */
async function legacySession() {
  const s = await openLegacySse(c.a.origin, token);
  expect(s.reader.status).toBe(200);
  const init = await postMessage(c.a.origin, s.endpoint, token, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'truth', version: '1' } },
  });
  expect(init.status).toBe(202);
  return s;
}

describe('legacy SSE: the record waits for the message to be processed', () => {
  it('fail_demo over /messages/ is audited tool_error with httpStatus 202', async () => {
    const s = await legacySession();
    const posted = await postMessage(c.a.origin, s.endpoint, token, call(7, 'fail_demo', { message: 'boom' }));
    expect(posted.status).toBe(202);
    await s.reader.next((e) => e.event === 'message' && JSON.parse(e.data).id === 7);
    await expect
      .poll(() => requestRecords((r) => r.sessionId === s.sessionId && r.rpcId === 7), { timeout: 5_000 })
      .toHaveLength(1);
    const [rec] = requestRecords((r) => r.sessionId === s.sessionId && r.rpcId === 7);
    expect(rec).toMatchObject({ era: 'legacy-sse', tool: 'fail_demo', outcome: 'tool_error', httpStatus: 202 });
    s.reader.close();
  });

  it('the 202 is complete before the message is processed (as on Lambda), and the record still waits for it', async () => {
    const s = await legacySession();
    // stream_demo takes 6 x 250 ms; the 202's whole body must arrive before its result reaches the stream.
    const posted = await postMessage(
      c.a.origin,
      s.endpoint,
      token,
      call(9, 'stream_demo', { chunks: 6, interval_ms: 250 }),
    );
    const answered = performance.now();
    expect(posted.status).toBe(202);
    const result = await s.reader.next((e) => e.event === 'message' && JSON.parse(e.data).id === 9, 15_000);
    expect(result.at).toBeGreaterThan(answered);
    await expect
      .poll(() => requestRecords((r) => r.sessionId === s.sessionId && r.rpcId === 9), { timeout: 5_000 })
      .toHaveLength(1);
    expect(requestRecords((r) => r.sessionId === s.sessionId && r.rpcId === 9)[0]).toMatchObject({
      tool: 'stream_demo',
      outcome: 'ok',
      httpStatus: 202,
    });
    s.reader.close();
  });

  it('a batch of 3 calls over /messages/ gives 3 tool_call records with their own outcomes', async () => {
    const s = await legacySession();
    const posted = await postMessage(c.a.origin, s.endpoint, token, [
      call(11, 'echo', { text: 'a' }),
      call(12, 'fail_demo', {}),
      call(13, 'whoami'),
    ]);
    expect(posted.status).toBe(202);
    const mine = () => records().filter((r) => r.kind === 'tool_call' && r.sessionId === s.sessionId);
    await expect.poll(() => mine().length, { timeout: 5_000 }).toBe(3);
    expect(
      mine()
        .map((r) => [r.rpcId, r.tool, r.outcome])
        .sort(),
    ).toEqual([
      [11, 'echo', 'ok'],
      [12, 'fail_demo', 'tool_error'],
      [13, 'whoami', 'ok'],
    ]);
    s.reader.close();
  });
});

describe('a JSON-RPC error inside a 200 is recorded with its code', () => {
  it('2026-07-28: tools/call of an unknown tool is rpc_error with rpcErrorCode -32602', async () => {
    const r = await modern('no_such_tool');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).error.code).toBe(-32602);
    await expect.poll(() => requestRecords((x) => x.tool === 'no_such_tool').length, { timeout: 5_000 }).toBe(1);
    expect(requestRecords((x) => x.tool === 'no_such_tool')[0]).toMatchObject({
      era: '2026-07-28',
      outcome: 'rpc_error',
      rpcErrorCode: -32602,
      httpStatus: 200,
      level: 'WARN',
    });
  });

  it('2025 session: the same call is rpc_error with its code', async () => {
    const s = await session2025();
    const res = await s.post(call(3, 'no_such_tool_2025'));
    expect(res.status).toBe(200);
    const sse = readSse(res);
    await sse.ended;
    expect(sse.events.some((e) => e.data && JSON.parse(e.data).error?.code === -32602)).toBe(true);
    await expect.poll(() => requestRecords((x) => x.tool === 'no_such_tool_2025').length, { timeout: 5_000 }).toBe(1);
    expect(requestRecords((x) => x.tool === 'no_such_tool_2025')[0]).toMatchObject({
      era: '2025',
      outcome: 'rpc_error',
      rpcErrorCode: -32602,
    });
  });

  it('legacy SSE: the same call is rpc_error with its code (httpStatus 202)', async () => {
    const s = await legacySession();
    expect((await postMessage(c.a.origin, s.endpoint, token, call(21, 'no_such_tool_sse'))).status).toBe(202);
    await expect.poll(() => requestRecords((x) => x.tool === 'no_such_tool_sse').length, { timeout: 5_000 }).toBe(1);
    expect(requestRecords((x) => x.tool === 'no_such_tool_sse')[0]).toMatchObject({
      era: 'legacy-sse',
      outcome: 'rpc_error',
      rpcErrorCode: -32602,
      httpStatus: 202,
    });
    s.reader.close();
  });
});

describe('every call of a batch gets its record', () => {
  it('2025 batch of 10 calls whose client leaves after the first event: 10 tool_call records', async () => {
    const s = await session2025('2025-03-26');
    const ac = new AbortController();
    const batch = Array.from({ length: 10 }, (_, i) => call(100 + i, 'stream_demo', { chunks: 3, interval_ms: 100 }));
    const res = await s.post(batch, ac.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the first event, then the client leaves
    ac.abort();
    await reader.cancel().catch(() => {});
    const mine = () => records().filter((r) => r.kind === 'tool_call' && r.sessionId === s.sessionId);
    await expect.poll(() => mine().length, { timeout: 10_000 }).toBe(10);
    expect(new Set(mine().map((r) => r.rpcId))).toEqual(new Set(batch.map((m) => m.id)));
    expect(mine().every((r) => r.outcome === 'ok' && r.tool === 'stream_demo')).toBe(true);
    const req = requestRecords((r) => r.sessionId === s.sessionId && r.method === 'tools/call');
    expect(req).toHaveLength(1);
    expect(req[0]!.outcome).toBe('aborted');
  });
});

describe('no caller text in an error field', () => {
  it('fail_demo with a caller-chosen message: no record carries it, on /mcp (both eras) and /messages/', async () => {
    const marker = 'RAWERR-caller-text-4f1c';
    expect((await modern('fail_demo', { message: `${marker}-modern` })).status).toBe(200);
    const s = await session2025();
    await (await s.post(call(5, 'fail_demo', { message: `${marker}-2025` }))).text();
    const l = await legacySession();
    await postMessage(c.a.origin, l.endpoint, token, call(31, 'fail_demo', { message: `${marker}-sse` }));
    const failed = () => records().filter((r) => r.tool === 'fail_demo' && r.outcome === 'tool_error');
    await expect.poll(() => failed().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(c.a.host.stdout()).not.toContain(marker);
    for (const r of failed()) expect(r.error).toBe('Error');
    l.reader.close();
  });
});

describe('tool names that are Object.prototype keys', () => {
  const names = ['constructor', 'hasOwnProperty', 'isPrototypeOf', '__lookupGetter__', '__proto__', 'toString'];

  it('/mcp at 2026-07-28 answers -32602 (never a 500) and records each', async () => {
    for (const name of names) {
      const r = await modern(name);
      expect(r.status, name).toBe(200);
      expect(JSON.parse(r.text).error.code, name).toBe(-32602);
    }
    await expect
      .poll(() => requestRecords((r) => r.era === '2026-07-28' && names.includes(r.tool)).length, { timeout: 5_000 })
      .toBe(names.length);
    expect(records().some((r) => r.httpStatus === 500)).toBe(false);
  });

  it('/mcp in a 2025 session and /messages/ answer and record each', async () => {
    const s = await session2025();
    for (const [i, name] of names.entries()) {
      const res = await s.post(call(200 + i, name));
      expect(res.status, name).toBe(200);
      await res.text();
    }
    const l = await legacySession();
    for (const [i, name] of names.entries()) {
      expect((await postMessage(c.a.origin, l.endpoint, token, call(300 + i, name))).status, name).toBe(202);
    }
    await expect
      .poll(
        () =>
          requestRecords((r) => (r.sessionId === s.sessionId || r.sessionId === l.sessionId) && names.includes(r.tool))
            .length,
        { timeout: 5_000 },
      )
      .toBe(names.length * 2);
    expect(records().some((r) => r.httpStatus === 500)).toBe(false);
    l.reader.close();
  });
});
