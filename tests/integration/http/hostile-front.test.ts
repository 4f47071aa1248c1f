// Hostile input at the front door (issue #17), through the built bundles (what SAM deploys) on every
// front: Function URL / HTTP API (payload 2.0, streamed and buffered), API Gateway REST (payload 1.0,
// streamed and buffered) and ALB (buffered). A malformed Host or X-Forwarded-Proto, or a JSON body
// nested too deep, must get a 400 that names the problem (never a 500), and still exactly one audit
// record. Only AWS itself is simulated: the events and the runtime response stream (tests/support/lambda.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import {
  albEvent,
  type EventInit,
  functionUrlEvent,
  lambdaContext,
  recordingStream,
  restEvent,
} from '../../support/lambda.ts';

type AnyHandler = (event: unknown, streamOrContext: unknown, context?: Context) => Promise<unknown>;

const PUBLIC_URL = 'http://127.0.0.1:3000/mcp';
const HOSTILE_HOSTS = ['a b', '[::1', '%', 'a@127.0.0.1', '127.0.0.1:5000,evil.example', 'localhost:5000@evil.example'];

let issuer: TestIssuer;
let token: string;
const lines: string[] = [];
const bundles: Record<string, { stream: AnyHandler; buffered: AnyHandler }> = {};

async function load(fn: 'mcp' | 'sse' | 'prm', mode: 'stream' | 'buffered'): Promise<AnyHandler> {
  process.env.RESPONSE_MODE = mode;
  const url = pathToFileURL(path.resolve(`dist/${fn}/index.mjs`)).href;
  return (await import(`${url}?hostile-${mode}`)).handler;
}

beforeAll(async () => {
  issuer = await startTestIssuer();
  process.env.AUTH_ISSUER = issuer.issuer;
  process.env.MCP_PUBLIC_URL = PUBLIC_URL;
  process.env.AUDIT_SINK = 'stdout';
  // Audit records are JSON lines on stdout; keep the ones this file's invocations write.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"message":"audit"')) {
      lines.push(...text.split('\n').filter(Boolean));
      return true;
    }
    return write(chunk, ...(rest as []));
  });
  for (const fn of ['mcp', 'sse', 'prm'] as const) {
    bundles[fn] = { stream: await load(fn, 'stream'), buffered: await load(fn, 'buffered') };
  }
  token = await issuer.token({ audience: PUBLIC_URL, scope: 'mcp:tools' });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await issuer?.stop();
});

interface Answer {
  status: number | undefined;
  body: string;
  records: Array<{ kind: string; httpStatus?: number; outcome: string }>;
}

function recordsOf(requestId: string): Answer['records'] {
  return lines.map((l) => JSON.parse(l)).filter((r) => r.function_request_id === requestId);
}

async function invoke(handler: AnyHandler, mode: 'stream' | 'buffered', event: unknown): Promise<Answer> {
  const context = lambdaContext(30_000, 'HostileFunction');
  if (mode === 'stream') {
    const rec = recordingStream();
    await handler(event, rec.stream, context);
    const d = rec.decode();
    return { status: d.prelude?.statusCode, body: d.body, records: recordsOf(context.awsRequestId) };
  }
  const r = (await handler(event, context)) as { statusCode: number; body: string; isBase64Encoded: boolean };
  const body = r.isBase64Encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
  return { status: r.statusCode, body, records: recordsOf(context.awsRequestId) };
}

/** A front: how its events look, and the case its header names arrive in. */
type Front = {
  name: string;
  mode: 'stream' | 'buffered';
  event: (init: EventInit) => unknown;
  host: string;
  proto: string;
};
const FRONTS: Front[] = [
  {
    name: 'Function URL (2.0) streamed',
    mode: 'stream',
    event: functionUrlEvent,
    host: 'host',
    proto: 'x-forwarded-proto',
  },
  {
    name: 'Function URL (2.0) buffered',
    mode: 'buffered',
    event: functionUrlEvent,
    host: 'host',
    proto: 'x-forwarded-proto',
  },
  {
    name: 'API Gateway REST (1.0) streamed',
    mode: 'stream',
    event: restEvent,
    host: 'Host',
    proto: 'X-Forwarded-Proto',
  },
  {
    name: 'API Gateway REST (1.0) buffered',
    mode: 'buffered',
    event: restEvent,
    host: 'Host',
    proto: 'X-Forwarded-Proto',
  },
  { name: 'ALB buffered', mode: 'buffered', event: albEvent, host: 'host', proto: 'x-forwarded-proto' },
  {
    name: 'ALB (multi-value headers) buffered',
    mode: 'buffered',
    event: (i) => albEvent({ ...i, multiValue: true }),
    host: 'host',
    proto: 'x-forwarded-proto',
  },
];

function toolsList(front: Front, headers: Record<string, string>, body?: string): unknown {
  return front.event({
    method: 'POST',
    body: body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      authorization: `Bearer ${token}`,
      ...headers,
    },
  });
}

function expectRefusal(a: Answer, header: RegExp) {
  expect(a.status).toBe(400);
  const body = JSON.parse(a.body);
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  expect(body.error.message).toMatch(header);
  expect(a.records).toHaveLength(1);
  expect(a.records[0]).toMatchObject({ kind: 'request', httpStatus: 400, outcome: 'bad_request' });
}

describe.each(FRONTS)('hostile headers on /mcp via $name', (front) => {
  it.each(HOSTILE_HOSTS)('Host %j: 400 naming the Host header, one audit record', async (host) => {
    const a = await invoke(bundles.mcp![front.mode], front.mode, toolsList(front, { [front.host]: host }));
    expectRefusal(a, /Host/);
  });

  it('X-Forwarded-Proto "a b": 400 naming the header, one audit record', async () => {
    const a = await invoke(bundles.mcp![front.mode], front.mode, toolsList(front, { [front.proto]: 'a b' }));
    expectRefusal(a, /X-Forwarded-Proto/);
  });

  it('a well-formed foreign Host is still 403 (malformed and foreign are told apart)', async () => {
    const a = await invoke(bundles.mcp![front.mode], front.mode, toolsList(front, { [front.host]: 'evil.example' }));
    expect(a.status).toBe(403);
    expect(a.records).toHaveLength(1);
  });

  it('a well-formed initialize still works on this front', async () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'front', version: '1' } },
    });
    const a = await invoke(
      bundles.mcp![front.mode],
      front.mode,
      toolsList(front, { [front.host]: '127.0.0.1:3000' }, init),
    );
    expect(a.status).toBe(200);
    expect(a.body).toContain('"serverInfo"');
    expect(a.records).toHaveLength(1);
  });
});

/** A value nested `depth` levels deep: {"a":{"a":...}}. */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('JSON nesting depth', () => {
  const front = FRONTS[0]!;
  const initialize = (capabilities: string) =>
    `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"deep","version":"1"},"capabilities":${capabilities}}}`;

  it('a 2025 initialize with capabilities nested 5,000 deep gets a 400 that says why, and one record', async () => {
    const a = await invoke(bundles.mcp!.stream, 'stream', toolsList(front, {}, initialize(nested(5000))));
    expect(a.status).toBe(400);
    const body = JSON.parse(a.body);
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(/nest/i);
    expect(a.records).toHaveLength(1);
    expect(a.records[0]).toMatchObject({ httpStatus: 400, outcome: 'bad_request' });
  });

  it('a deep array at 2026-07-28 is refused the same way', async () => {
    const meta =
      '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},' +
      '"io.modelcontextprotocol/clientInfo":{"name":"deep","version":"1"}}';
    const args = `{"text":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${args},${meta}}}`;
    const a = await invoke(
      bundles.mcp!.stream,
      'stream',
      toolsList(front, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, deep),
    );
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body).error.message).toMatch(/nest/i);
    expect(a.records).toHaveLength(1);
  });

  it('ordinary nesting (capabilities 20 deep) is accepted', async () => {
    const a = await invoke(bundles.mcp!.stream, 'stream', toolsList(front, {}, initialize(nested(20))));
    expect(a.status).toBe(200);
  });
});

describe('the legacy SSE function and the PRM function refuse malformed headers too', () => {
  it.each(HOSTILE_HOSTS)('GET /sse with Host %j: 400, one audit record', async (host) => {
    const event = functionUrlEvent({
      path: '/sse',
      headers: { host, accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    expectRefusal(await invoke(bundles.sse!.stream, 'stream', event), /Host/);
  });

  it('POST /messages/ with X-Forwarded-Proto "a b": 400, one audit record', async () => {
    const event = functionUrlEvent({
      method: 'POST',
      path: '/messages/',
      query: 'sessionId=x',
      headers: { 'x-forwarded-proto': 'a b', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expectRefusal(await invoke(bundles.sse!.buffered, 'buffered', event), /X-Forwarded-Proto/);
  });

  it.each(HOSTILE_HOSTS)('GET the PRM with Host %j: 400, not 500', async (host) => {
    const event = functionUrlEvent({ path: '/.well-known/oauth-protected-resource/mcp', headers: { host } });
    const a = await invoke(bundles.prm!.stream, 'stream', event);
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body)).toMatchObject({ error: 'invalid_request' });
    expect(JSON.parse(a.body).error_description).toMatch(/Host/);
  });
});
