// Performance work (issue #18) must not change a single byte of what the functions answer or audit.
// The built mcp and prm bundles answer a fixed set of requests (2026-07-28 and 2025 calls, lists,
// errors, refusals, the PRM); status, headers and body of each, and the audit records they produce,
// are compared with a snapshot taken before the work began (__snapshots__/answers-stable.json).
// Only what differs per run is masked: session ids, timestamps, durations, request ids, chain links
// (the chain itself is verified instead).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../../lib/audit/index.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import { functionUrlEvent, lambdaContext, recordingStream } from '../../support/lambda.ts';

type StreamingHandler = (event: LambdaFunctionURLEvent, stream: unknown, context: Context) => Promise<void>;

const PUBLIC_URL = 'http://127.0.0.1:3000/mcp';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'stable', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
let issuer: TestIssuer;
let mcp: StreamingHandler;
let prm: StreamingHandler;
let token: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  process.env.AUTH_ISSUER = issuer.issuer;
  process.env.MCP_PUBLIC_URL = PUBLIC_URL;
  process.env.AUDIT_SINK = 'stdout';
  process.env.REQUEST_STATE_KEYS = '';
  mcp = (await import(`${pathToFileURL(path.resolve('dist/mcp/index.mjs')).href}?stable`)).handler;
  prm = (await import(`${pathToFileURL(path.resolve('dist/prm/index.mjs')).href}?stable`)).handler;
  token = await issuer.token({ audience: PUBLIC_URL, scope: 'mcp:tools', ttlSec: 3600 });
});

afterAll(async () => {
  await issuer?.stop();
});

interface Ask {
  name: string;
  fn?: 'mcp' | 'prm';
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: unknown;
  auth?: boolean;
}

const modern = (method: string, name?: string) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name ? { 'mcp-name': name } : {}),
});
const legacy = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};
const call = (id: number, name: string, args: unknown) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, _meta: META },
});

const ASKS: Ask[] = [
  {
    name: 'tools/list',
    headers: modern('tools/list'),
    body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } },
  },
  { name: 'tools/call echo', headers: modern('tools/call', 'echo'), body: call(2, 'echo', { text: 'hello' }) },
  {
    name: 'tools/call echo, allow-listed and secret-looking text',
    headers: modern('tools/call', 'echo'),
    body: call(3, 'echo', { text: 'Bearer abcdefghijklmnop and eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl' }),
  },
  { name: 'tools/call with bad arguments', headers: modern('tools/call', 'echo'), body: call(4, 'echo', { text: 5 }) },
  { name: 'tools/call unknown tool', headers: modern('tools/call', 'nope'), body: call(5, 'nope', {}) },
  { name: 'tools/call fail_demo', headers: modern('tools/call', 'fail_demo'), body: call(6, 'fail_demo', {}) },
  {
    name: 'Mcp-Name mismatch',
    headers: modern('tools/call', 'other'),
    body: call(7, 'echo', { text: 'x' }),
  },
  {
    name: 'server/discover',
    headers: modern('server/discover'),
    body: { jsonrpc: '2.0', id: 8, method: 'server/discover', params: { _meta: META } },
  },
  {
    name: '2025 initialize',
    headers: { ...legacy, 'mcp-protocol-version': '2025-06-18' },
    body: {
      jsonrpc: '2.0',
      id: 9,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'stable', version: '1' } },
    },
  },
  { name: '2025 notification', headers: legacy, body: { jsonrpc: '2.0', method: 'notifications/initialized' } },
  {
    name: 'batch of two calls',
    headers: { ...legacy, 'mcp-protocol-version': '2025-03-26' },
    body: [call(10, 'echo', { text: 'a' }), call(11, 'echo', { text: 'b' })],
  },
  { name: '401 without a token', auth: false, headers: modern('tools/list'), body: { jsonrpc: '2.0', id: 12 } },
  {
    name: '401 with a bad token',
    auth: false,
    headers: { ...modern('tools/list'), authorization: 'Bearer not.a.jwt' },
    body: { jsonrpc: '2.0', id: 13, method: 'tools/list' },
  },
  {
    name: '403 foreign Origin',
    headers: { ...modern('tools/list'), origin: 'https://evil.example' },
    body: { jsonrpc: '2.0', id: 14, method: 'tools/list' },
  },
  {
    name: 'allowed Origin (CORS headers)',
    headers: { ...modern('tools/list'), origin: 'http://127.0.0.1:3000' },
    body: { jsonrpc: '2.0', id: 15, method: 'tools/list', params: { _meta: META } },
  },
  { name: 'parse error', headers: modern('tools/list'), body: '{"jsonrpc":"2.0",' },
  { name: '415', headers: { ...modern('tools/list'), 'content-type': 'text/plain' }, body: '{}' },
  {
    name: 'preflight',
    method: 'OPTIONS',
    auth: false,
    headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' },
  },
  { name: 'GET /mcp at 2026-07-28', method: 'GET', headers: { ...modern('tools/list'), accept: 'text/event-stream' } },
  { name: 'PRM', fn: 'prm', method: 'GET', auth: false, path: '/.well-known/oauth-protected-resource/mcp' },
];

const SESSION = /[A-Za-z0-9_-]{43}/g;

async function answer(ask: Ask) {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const rec = recordingStream();
  try {
    const event = functionUrlEvent({
      method: ask.method ?? 'POST',
      path: ask.path ?? '/mcp',
      headers: { ...(ask.auth === false ? {} : { authorization: `Bearer ${token}` }), ...ask.headers },
      ...(ask.body === undefined ? {} : { body: typeof ask.body === 'string' ? ask.body : JSON.stringify(ask.body) }),
    });
    await (ask.fn === 'prm' ? prm : mcp)(event, rec.stream, lambdaContext(30_000, 'McpFunction'));
  } finally {
    process.stdout.write = write;
  }
  const r = rec.decode();
  const headers = { ...(r.prelude?.headers ?? {}) };
  if (headers['mcp-session-id']) headers['mcp-session-id'] = '<session>';
  const audit = lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"message":"audit"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    status: r.prelude?.statusCode,
    headers,
    cookies: r.prelude?.cookies,
    body: r.body.replace(SESSION, '<session>').replaceAll(issuer.issuer, '<issuer>'),
    audit,
  };
}

function masked(record: Record<string, unknown>): Record<string, unknown> {
  const out = { ...record };
  for (const k of ['timestamp', 'durationMs', 'function_request_id', 'stream', 'seq', 'prev', 'hash', 'cold_start']) {
    if (k in out) out[k] = `<${k}>`;
  }
  if (typeof out.sessionId === 'string') out.sessionId = '<session>';
  if (out.principal && typeof out.principal === 'object') out.principal = { ...out.principal, jti: '<jti>' };
  return out;
}

describe('answers and audit records stay byte-identical (issue #18)', () => {
  it('matches the snapshot taken before the performance work', async () => {
    const all: Record<string, unknown> = {};
    const auditLines: string[] = [];
    for (const ask of ASKS) {
      const a = await answer(ask);
      auditLines.push(...a.audit.map((r) => JSON.stringify(r)));
      all[ask.name] = { ...a, audit: a.audit.map(masked) };
    }
    // The chain the records carry verifies as one stream (what the masked fields held).
    expect(verifyChain(auditLines)).toMatchObject({ ok: true, streams: 1 });
    expect(auditLines.length).toBeGreaterThan(ASKS.length - 3);
    await expect(`${JSON.stringify(all, null, 2)}\n`).toMatchFileSnapshot('__snapshots__/answers-stable.json');
  });
});
