// The exact reproductions of issue #17, one named test each, against a real local host (auth on, audit
// to stdout). They state the expected answers: 400 for malformed headers and over-deep JSON (with an
// audit record, like every request), prototype-named tools treated as the unknown tools they are,
// invalid JSON-RPC on /messages/ answered (202 or 400) with its work settled, one `tool_call` record
// per call of a batch on every route, and no raw argument or token in any log line.
// The host-killing reproductions (B1-B4) are in crash.test.ts: each needs a host of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJwtShaped } from '../../../lib/audit/scan.ts';
import { BAD_HOSTS, envelope } from './arbitraries.ts';
import {
  hideTokens,
  type LegacyStream,
  openLegacyStream,
  openSession,
  type ShotResult,
  shoot,
  waitUntil,
} from './clients.ts';
import { type AttackHost, type AuditLine, startAttackHost } from './host.ts';

/** Functional bound: work that is still going after this long is hung (on today's main: until the 900 s timeout). */
const SETTLE_MS = 10_000;
const SEED = 17;
const RAWARG = `RAWARG-repro-${SEED}`;
const RAWERR = `RAWERR-repro-${SEED}`;

let host: AttackHost;
let token: string;
let session: { sessionId: string; version: string };
let legacy: LegacyStream;
let n = 0;

beforeAll(async () => {
  host = await startAttackHost('repro');
  token = await host.issuer.token({ audience: host.mcpUrl, sub: 'alice', scope: 'mcp:tools mcp:admin', ttlSec: 3600 });
  session = await openSession({ port: host.port }, token, '2025-11-25', 'repro/setup');
  legacy = await openLegacyStream({ port: host.port }, token, 'repro/setup');
  for (const body of [
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'repro', version: '1' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  ]) {
    const r = await send('POST', legacy.endpoint, legacyHeaders(), JSON.stringify(body));
    expect(r.status).toBe(202);
  }
}, 60_000);

afterAll(async () => {
  legacy?.close();
  await host?.stop();
});

/** A unique user-agent per request, so that its audit records can be found. */
function tag(): string {
  return `repro/${++n}`;
}

function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  more: { leave?: 'first-chunk'; noHost?: boolean } = {},
): Promise<ShotResult & { tag: string }> {
  const ua = headers['user-agent'] ?? tag();
  return shoot(
    { port: host.port },
    {
      method,
      path,
      headers: {
        ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        ...headers,
        'user-agent': ua,
      },
      body,
      settleMs: SETTLE_MS,
      agent: false,
      ...more,
    },
  ).then((r) => ({ ...r, tag: ua }));
}

const modernHeaders = (method: string, name?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name ? { 'mcp-name': name } : {}),
});

const sessionHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': session.version,
  'mcp-session-id': session.sessionId,
});

const legacyHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

const toolCall = (name: string, args: unknown, id: string | number = 1, meta = false) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta ? { _meta: envelope() } : {}) },
  });

function recordsOf(ua: string): AuditLine[] {
  return host.records().filter((r) => r.userAgent === ua);
}

async function requestRecord(ua: string): Promise<AuditLine | undefined> {
  await waitUntil(() => recordsOf(ua).some((r) => r.kind === 'request'), SETTLE_MS);
  return recordsOf(ua).find((r) => r.kind === 'request');
}

/** The JSON-RPC message with this id among the events of the legacy stream (where /messages/ replies go). */
async function legacyReply(id: string): Promise<Record<string, unknown> | undefined> {
  const find = () =>
    legacy
      .text()
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>)
      .find((m) => m.id === id);
  await waitUntil(() => find() !== undefined, SETTLE_MS);
  return find();
}

/** Stdout + stderr written while `work` ran. */
async function outputOf(work: () => Promise<void>): Promise<string> {
  const out = host.stdout().length;
  const err = host.stderr().length;
  await work();
  await new Promise((r) => setTimeout(r, 300));
  return host.stdout().slice(out) + host.stderr().slice(err);
}

/** What a call of a tool that does not exist gets; a prototype-named tool must get the same. */
function shapeOf(r: ShotResult): { status: number | undefined; kind: string } {
  const body = r.body;
  const kind = /"isError":true/.test(body) ? 'isError result' : /"error":\{/.test(body) ? 'JSON-RPC error' : 'other';
  return { status: r.status, kind };
}

describe('issue #17: prototype-named tools are unknown tools (no 500, an audit record)', () => {
  const names = ['constructor', 'hasOwnProperty', 'isPrototypeOf', '__lookupGetter__'];

  it.each(names)('/mcp 2026-07-28: tools/call %s answers like an unknown tool', async (name) => {
    const unknown = await send(
      'POST',
      '/mcp',
      modernHeaders('tools/call', 'no_such_tool'),
      toolCall('no_such_tool', { text: RAWARG }, 1, true),
    );
    const proto = await send(
      'POST',
      '/mcp',
      modernHeaders('tools/call', name),
      toolCall(name, { text: RAWARG }, 1, true),
    );
    expect(proto.status).toBeLessThan(500);
    expect(shapeOf(proto)).toEqual(shapeOf(unknown));
    expect((await requestRecord(proto.tag))?.outcome).not.toBe('error');
  });

  it.each(names)('/mcp 2025 session: tools/call %s answers like an unknown tool', async (name) => {
    const unknown = await send('POST', '/mcp', sessionHeaders(), toolCall('no_such_tool', { text: RAWARG }));
    const proto = await send('POST', '/mcp', sessionHeaders(), toolCall(name, { text: RAWARG }));
    expect(proto.status).toBeLessThan(500);
    expect(shapeOf(proto)).toEqual(shapeOf(unknown));
    expect((await requestRecord(proto.tag))?.outcome).not.toBe('error');
  });

  it.each(names)(
    '/messages/: tools/call %s is accepted and answered on the stream like an unknown tool',
    async (name) => {
      const unknown = await send(
        'POST',
        legacy.endpoint,
        legacyHeaders(),
        toolCall('no_such_tool', { text: RAWARG }, `u-${name}`),
      );
      const proto = await send('POST', legacy.endpoint, legacyHeaders(), toolCall(name, { text: RAWARG }, `p-${name}`));
      expect([unknown.status, proto.status]).toEqual([202, 202]);
      expect(proto.settled).toBe(true);
      const [u, p] = [await legacyReply(`u-${name}`), await legacyReply(`p-${name}`)];
      expect(p, 'a reply on the SSE stream').toBeDefined();
      expect({ error: 'error' in (p ?? {}), result: 'result' in (p ?? {}) }).toEqual({
        error: 'error' in (u ?? {}),
        result: 'result' in (u ?? {}),
      });
      expect((await requestRecord(proto.tag))?.outcome).not.toBe('error');
    },
  );
});

describe('issue #17: malformed Host and X-Forwarded-Proto get 400 and an audit record', () => {
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

  it.each(BAD_HOSTS)('/mcp with Host: %s -> 400, recorded', async (value) => {
    const r = await send('POST', '/mcp', { ...sessionHeaders(), host: value }, ping);
    expect(r.status).toBe(400);
    expect(await requestRecord(r.tag)).toMatchObject({ kind: 'request', httpStatus: 400 });
  });

  it('/mcp with X-Forwarded-Proto: a b -> 400, recorded', async () => {
    const r = await send('POST', '/mcp', { ...sessionHeaders(), 'x-forwarded-proto': 'a b' }, ping);
    expect(r.status).toBe(400);
    expect(await requestRecord(r.tag)).toMatchObject({ kind: 'request', httpStatus: 400 });
  });

  it('/messages/ and /sse with Host: a b -> 400, recorded', async () => {
    const post = await send('POST', legacy.endpoint, { ...legacyHeaders(), host: 'a b' }, ping);
    const get = await send('GET', '/sse', {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      host: 'a b',
    });
    expect([post.status, get.status]).toEqual([400, 400]);
    expect(await requestRecord(post.tag)).toMatchObject({ httpStatus: 400 });
    expect(await requestRecord(get.tag)).toMatchObject({ httpStatus: 400 });
  });

  it('the PRM with Host: a b -> 400', async () => {
    const r = await send('GET', '/.well-known/oauth-protected-resource/mcp', { host: 'a b' });
    expect(r.status).toBe(400);
  });
});

describe('issue #17: JSON depth is bounded (400), never a false store outage (503)', () => {
  it('2025 initialize with capabilities nested 5,000 deep -> 400, recorded', async () => {
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":${deep},"clientInfo":{"name":"repro","version":"1"}}}`;
    const r = await send(
      'POST',
      '/mcp',
      {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body,
    );
    expect(r.status).toBe(400);
    expect(await requestRecord(r.tag)).toMatchObject({ httpStatus: 400, outcome: 'bad_request' });
  });
});

describe('issue #17: invalid JSON-RPC on /messages/ is answered and its work settles', () => {
  const bodies = [
    '{"jsonrpc":"2.0","id":{},"method":"ping"}',
    '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1,"method":42}',
    '{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}',
  ];

  it.each(bodies)('POST /messages/ %s -> 202 or 400, and the invocation ends', async (body) => {
    // The answer may end long before the invocation (waitUntil work goes on, as on Lambda); the local
    // host holds one timer per invocation until the handler returns, so their count must come back.
    // The open /sse stream's own wait timers come and go: the highest of a few readings is the baseline.
    let before = 0;
    for (let i = 0; i < 5; i++) {
      before = Math.max(before, await host.timers());
      await new Promise((x) => setTimeout(x, 50));
    }
    const r = await send('POST', legacy.endpoint, legacyHeaders(), body);
    expect([202, 400]).toContain(r.status);
    expect(r.settled, `no complete answer in ${SETTLE_MS} ms`).toBe(true);
    expect(r.error).toBeUndefined();
    let now = await host.timers();
    const end = Date.now() + SETTLE_MS;
    while (now > before && Date.now() < end) {
      await new Promise((x) => setTimeout(x, 200));
      now = await host.timers();
    }
    expect(
      now,
      `host timers ${SETTLE_MS} ms later (before the request: ${before}): the invocation is still running`,
    ).toBeLessThanOrEqual(before);
    expect(await requestRecord(r.tag)).toMatchObject({ httpStatus: r.status });
  });
});

describe('issue #17: one tool_call record per call of a batch, on every route', () => {
  it('2025 batch of 10 calls, the client leaves after the first event -> 10 tool_call records', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => ({
      jsonrpc: '2.0',
      id: `b${i}`,
      method: 'tools/call',
      params: { name: 'stream_demo', arguments: { chunks: 2, interval_ms: 100 } },
    }));
    const r = await send('POST', '/mcp', sessionHeaders(), JSON.stringify(batch), { leave: 'first-chunk' });
    expect(r.status).toBe(200);
    expect(r.leftEarly).toBe(true);
    await waitUntil(() => recordsOf(r.tag).filter((x) => x.kind === 'tool_call').length >= 10, SETTLE_MS);
    await new Promise((x) => setTimeout(x, 300));
    const calls = recordsOf(r.tag).filter((x) => x.kind === 'tool_call');
    expect(calls.map((c) => c.rpcId).sort()).toEqual(batch.map((b) => b.id).sort());
    expect(calls.map((c) => [c.tool, c.outcome])).toEqual(Array(10).fill(['stream_demo', 'ok']));
    expect(recordsOf(r.tag).filter((x) => x.kind === 'request')).toHaveLength(1);
  });

  it('legacy /messages/ batch of 3 calls -> 3 tool_call records', async () => {
    const batch = ['echo', 'whoami', 'echo'].map((name, i) => ({
      jsonrpc: '2.0',
      id: `l${i}`,
      method: 'tools/call',
      params: { name, arguments: name === 'echo' ? { text: RAWARG } : {} },
    }));
    const r = await send('POST', legacy.endpoint, legacyHeaders(), JSON.stringify(batch));
    expect(r.status).toBe(202);
    await waitUntil(() => recordsOf(r.tag).filter((x) => x.kind === 'tool_call').length >= 3, SETTLE_MS);
    await new Promise((x) => setTimeout(x, 300));
    const calls = recordsOf(r.tag).filter((x) => x.kind === 'tool_call');
    expect(calls.map((c) => [c.rpcId, c.tool, c.outcome]).sort()).toEqual([
      ['l0', 'echo', 'ok'],
      ['l1', 'whoami', 'ok'],
      ['l2', 'echo', 'ok'],
    ]);
  });
});

describe('found by the attack suite (seed 718332308, request #6777)', () => {
  // A legacy /messages/ batch whose stream_demo call is followed by a cancel of id 1 (sent before id 1 exists),
  // an unknown notification, an invalid call, a call with id 1 and a ping: its work never settled and its
  // request record was never written.
  it('legacy /messages/ batch with an early cancel of a later id -> 202, every call recorded, work settled', async () => {
    const batch = [
      {
        jsonrpc: '2.0',
        id: 23189,
        method: 'tools/call',
        params: { name: 'stream_demo', arguments: { chunks: 2, interval_ms: 6 } },
      },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
      { jsonrpc: '2.0', method: 'notifications/x', params: { requestId: 1 } },
      { jsonrpc: '2.0', id: 815835, method: 'tools/call', params: { name: 'echo', arguments: { text: 42 } } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: RAWARG } } },
      { jsonrpc: '2.0', method: 'notifications/initialized', params: { requestId: 1 } },
      { jsonrpc: '2.0', id: 2, method: 'ping', params: {} },
    ];
    const r = await send('POST', legacy.endpoint, legacyHeaders(), JSON.stringify(batch));
    expect(r.status).toBe(202);
    const record = await requestRecord(r.tag);
    expect(record, 'the request record is written once its work settles').toBeDefined();
    const calls = recordsOf(r.tag).filter((x) => x.kind === 'tool_call');
    expect(calls.map((c) => String(c.rpcId)).sort()).toEqual(['1', '23189', '815835']);
  });
});

describe('issue #17: no raw argument and no token in any log line', () => {
  const failDemo = (route: string) =>
    `fail_demo {"message":"RAWERR…"} on ${route}: tool_error recorded, message not logged`;

  it(failDemo('/mcp 2026-07-28'), async () => {
    let r: ShotResult & { tag: string } = undefined as never;
    const out = await outputOf(async () => {
      r = await send(
        'POST',
        '/mcp',
        modernHeaders('tools/call', 'fail_demo'),
        toolCall('fail_demo', { message: RAWERR }, 1, true),
      );
      await requestRecord(r.tag);
    });
    expect(r.status).toBe(200);
    expect(await requestRecord(r.tag)).toMatchObject({ outcome: 'tool_error', tool: 'fail_demo' });
    expect(hideTokens(out)).not.toContain(RAWERR);
  });

  it(failDemo('/mcp 2025'), async () => {
    let r: ShotResult & { tag: string } = undefined as never;
    const out = await outputOf(async () => {
      r = await send('POST', '/mcp', sessionHeaders(), toolCall('fail_demo', { message: RAWERR }));
      await requestRecord(r.tag);
    });
    expect(r.status).toBe(200);
    expect(await requestRecord(r.tag)).toMatchObject({ outcome: 'tool_error', tool: 'fail_demo' });
    expect(hideTokens(out)).not.toContain(RAWERR);
  });

  it(failDemo('/messages/'), async () => {
    let r: ShotResult & { tag: string } = undefined as never;
    const out = await outputOf(async () => {
      r = await send('POST', legacy.endpoint, legacyHeaders(), toolCall('fail_demo', { message: RAWERR }, 'f1'));
      await legacyReply('f1');
      await requestRecord(r.tag);
    });
    expect(r.status).toBe(202);
    expect(await legacyReply('f1')).toBeDefined();
    expect(await requestRecord(r.tag)).toMatchObject({ outcome: 'tool_error', tool: 'fail_demo' });
    expect(hideTokens(out)).not.toContain(RAWERR);
  });

  const placements: Array<[string, (jwt: string) => { headers: Record<string, string>; body: string }]> = [
    [
      'MCP-Protocol-Version',
      (jwt) => ({
        headers: { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': jwt },
        body: toolCall('echo', { text: 'x' }, 1, true),
      }),
    ],
    ['Mcp-Method', (jwt) => ({ headers: modernHeaders(jwt, 'echo'), body: toolCall('echo', { text: 'x' }, 1, true) })],
    [
      'Host (with a port that is not a number)',
      (jwt) => ({
        headers: { ...modernHeaders('tools/call', 'echo'), host: `${jwt}:x` },
        body: toolCall('echo', { text: 'x' }, 1, true),
      }),
    ],
    [
      'X-Forwarded-Proto',
      (jwt) => ({
        headers: { ...modernHeaders('tools/call', 'echo'), 'x-forwarded-proto': jwt },
        body: toolCall('echo', { text: 'x' }, 1, true),
      }),
    ],
    [
      'the JSON-RPC method (Mcp-Method: tools/call)',
      (jwt) => ({
        headers: modernHeaders('tools/call'),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: jwt, params: { _meta: envelope() } }),
      }),
    ],
  ];

  it.each(placements)('a valid JWT in %s reaches no log line (and gets no 5xx)', async (_where, make) => {
    const jwt = await host.issuer.token({ audience: host.mcpUrl, sub: 'alice', scope: 'mcp:tools', ttlSec: 3600 });
    const { headers, body } = make(jwt);
    let status: number | undefined;
    const out = await outputOf(async () => {
      const r = await send('POST', '/mcp', headers, body);
      status = r.status;
      await requestRecord(r.tag);
    });
    expect.soft(status).toBeLessThan(500);
    expect.soft(findJwtShaped(out)).toEqual([]);
  });
});
