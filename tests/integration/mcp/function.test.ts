// Function-level integration: the built functions/mcp bundle (what SAM deploys) invoked with real
// Function URL events and a runtime response stream that records every write with its arrival time.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import { functionUrlEvent, lambdaContext, recordingStream } from '../../support/lambda.ts';

type StreamingHandler = (event: LambdaFunctionURLEvent, stream: unknown, context: Context) => Promise<void>;

const PUBLIC_URL = 'http://127.0.0.1:3000/mcp';
let issuer: TestIssuer;
let handler: StreamingHandler;
let token: string;
let sessionId: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  process.env.AUTH_ISSUER = issuer.issuer;
  process.env.MCP_PUBLIC_URL = PUBLIC_URL;
  process.env.MAX_BODY_BYTES = String(64 * 1024);
  process.env.AUDIT_SINK = 'off';
  const bundle = path.resolve('dist/mcp/index.mjs');
  handler = (await import(`${pathToFileURL(bundle).href}?fn-test`)).handler;
  token = await issuer.token({ audience: PUBLIC_URL, scope: 'mcp:tools' });
  const init = await invoke(
    rpc({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fn-test', version: '1' } },
    }),
  );
  expect(init.status).toBe(200);
  sessionId = init.headers['mcp-session-id']!;
  expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

afterAll(async () => {
  await issuer?.stop();
});

function rpc(body: unknown, headers: Record<string, string> = {}): LambdaFunctionURLEvent {
  const event = functionUrlEvent({
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      authorization: `Bearer ${token}`,
      ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
      ...headers,
    },
  });
  // An empty value in `headers` means: send no such header at all.
  for (const [k, v] of Object.entries(event.headers)) if (v === '') delete event.headers[k];
  return event;
}

async function invoke(event: LambdaFunctionURLEvent) {
  const rec = recordingStream();
  const t0 = performance.now();
  await handler(event, rec.stream, lambdaContext(30_000, 'McpFunction'));
  const decoded = rec.decode();
  return { ...decoded, t0, status: decoded.prelude?.statusCode, headers: decoded.prelude?.headers ?? {} };
}

/** SSE `data:` payloads of a decoded body, parsed. */
function sseMessages(body: string): Array<Record<string, unknown>> {
  return body
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)));
}

describe('functions/mcp with Function URL events', () => {
  it('lists the tools the token allows (no admin_demo without mcp:admin)', async () => {
    const r = await invoke(rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
    expect(r.status).toBe(200);
    const [msg] = sseMessages(r.body).length ? sseMessages(r.body) : [JSON.parse(r.body)];
    const names = ((msg!.result as { tools: Array<{ name: string }> }).tools ?? []).map((t) => t.name).sort();
    // Whatever tools/ holds: exactly the catalogue's tools whose scopes an mcp:tools token has (tools you add or
    // remove change the list, not this test), and the demo tools as the product ships them.
    const allowed = toolManifest.filter((t) => t.scopes.every((s) => s.name === 'mcp:tools')).map((t) => t.name);
    expect(names).toEqual(allowed.sort());
    expect(names).toEqual(expect.arrayContaining(['echo', 'fail_demo', 'notify_demo', 'stream_demo', 'whoami']));
    expect(names).not.toContain('admin_demo');
  });

  it('calls echo', async () => {
    const r = await invoke(
      rpc({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } }),
    );
    expect(r.status).toBe(200);
    const msgs = sseMessages(r.body).length ? sseMessages(r.body) : [JSON.parse(r.body)];
    expect(msgs.at(-1)).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'hi' }] } });
  });

  it('streams stream_demo: the first chunk arrives long before the last', async () => {
    const r = await invoke(
      rpc({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'stream_demo', arguments: { chunks: 5, interval_ms: 200 }, _meta: { progressToken: 'p' } },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/event-stream');
    const progress = r.chunks.filter((c) => c.text.includes('notifications/progress'));
    expect(progress.length).toBe(5);
    const first = progress[0]!.at - r.t0;
    const last = progress[4]!.at - r.t0;
    expect(last - first).toBeGreaterThan(700);
    const end = r.chunks.at(-1)!.at - r.t0;
    expect(end - first).toBeGreaterThan(700);
  });

  it('answers a notification POST with 202 and an empty (but written) body', async () => {
    const r = await invoke(rpc({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect(r.status).toBe(202);
    expect(r.body).toBe('');
  });

  it('refuses a foreign Origin with 403', async () => {
    const r = await invoke(rpc({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, { origin: 'https://evil.example' }));
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/Origin/);
  });

  it('answers broken JSON with a JSON-RPC parse error, not a 500', async () => {
    const r = await invoke(rpc('{"jsonrpc":"2.0",'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe(-32700);
  });

  it('answers an oversized body with 413 before parsing it', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x'.repeat(70_000) } },
    });
    const r = await invoke(rpc(big));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.message).toMatch(/65536 bytes/);
  });

  it('answers GET without a session id with 400, and PUT with 405', async () => {
    const get = await invoke(
      functionUrlEvent({ method: 'GET', headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }),
    );
    expect(get.status).toBe(400);
    expect(JSON.parse(get.body).error.message).toMatch(/Mcp-Session-Id/);
    const put = await invoke(
      functionUrlEvent({ method: 'PUT', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId } }),
    );
    expect(put.status).toBe(405);
  });

  it('answers an unknown session id with 404', async () => {
    const r = await invoke(rpc({ jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': 'nope' }));
    expect(r.status).toBe(404);
  });

  it('answers no token with 401 and the PRM challenge', async () => {
    const r = await invoke(rpc({ jsonrpc: '2.0', id: 6, method: 'tools/list' }, { authorization: '' }));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"',
    );
  });
});
