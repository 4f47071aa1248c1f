import { describe, expect, it } from 'vitest';
import { auditSpanOf, createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { digestOf } from '../../../lib/audit/canonical.ts';
import { verifyChain } from '../../../lib/audit/chain.ts';
import { traceIdOf } from '../../../lib/audit/facts.ts';
import type { AuditRecord } from '../../../lib/audit/record.ts';
import { type AuditSink, stdoutSink } from '../../../lib/audit/sinks.ts';
import { loadConfig } from '../../../lib/config.ts';
import type { WebHandler } from '../../../lib/web-handler.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true', AUDIT_ARGS_ALLOWLIST: 'echo:text' });
const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = `${b64u({ alg: 'RS256' })}.${b64u({ sub: 'dev' })}.c2lnbmF0dXJl`;
const dev = { subject: 'dev', clientId: 'inspector', scopes: ['mcp:tools'], jti: 'jti-1' };

function memory() {
  const records: AuditRecord[] = [];
  const lines: string[] = [];
  const sinks: AuditSink[] = [{ name: 'memory', write: (r) => void records.push(r) }, stdoutSink((l) => lines.push(l))];
  return { records, lines, sinks };
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Request(`http://127.0.0.1:3000${path}?secret=query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
}

/** A byte stream that yields `sizes` on demand and then stays open until cancelled. */
function chunks(sizes: number[], opts: { close?: boolean; onCancel?: () => void } = {}) {
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i < sizes.length) controller.enqueue(new Uint8Array(sizes[i++]!).fill(120));
        else if (opts.close) controller.close();
        else return new Promise(() => {}); // a stream_demo still working
      },
      cancel: () => opts.onCancel?.(),
    },
    { highWaterMark: 0 },
  );
}

/** The tiny app: each path is one scenario of the mix. */
const app: WebHandler = async (request) => {
  const span = auditSpanOf(request)!;
  const path = new URL(request.url).pathname;
  const rpc = (await request.clone().json()) as {
    id: number;
    method: string;
    params?: { name?: string; arguments?: unknown; _meta?: unknown };
  };
  const facts = {
    era: '2025' as const,
    protocolVersion: '2025-11-25',
    method: rpc.method,
    rpcId: rpc.id,
    tool: rpc.params?.name,
    args: rpc.params?.arguments,
    meta: rpc.params?._meta,
    sessionId: 'sess-1',
  };
  switch (path) {
    case '/ok':
      span.setPrincipal(dev);
      span.setRpc(facts);
      return Response.json({ jsonrpc: '2.0', id: rpc.id, result: { content: [{ type: 'text', text: 'hi' }] } });
    case '/bad-token':
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    case '/scope':
      span.setPrincipal({ ...dev, subject: 'viewer' });
      span.setRpc(facts);
      return new Response('insufficient_scope', { status: 403 });
    case '/unknown-session':
      span.setPrincipal(dev);
      return Response.json(
        { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } },
        { status: 404 },
      );
    case '/too-large':
      return new Response('too large', { status: 413 });
    case '/tool-throws':
      span.setPrincipal(dev);
      span.setRpc(facts);
      span.setOutcome('tool_error', { error: new Error(`tool failed with Bearer ${token}`) });
      return Response.json({ jsonrpc: '2.0', id: rpc.id, result: { isError: true, content: [] } });
    case '/handler-throws':
      span.setPrincipal(dev);
      throw new Error(`boom near ${token}`);
    case '/stream':
      span.setPrincipal(dev);
      span.setRpc(facts);
      return new Response(chunks([10, 20, 30]), { headers: { 'content-type': 'text/event-stream' } });
    default:
      return new Response('no route', { status: 404 });
  }
};

describe('withAudit: one record per request, with the right outcome', () => {
  it('N mixed requests produce exactly N records (OK, 401, 403, 404, 413, tool throw, handler throw, disconnect)', async () => {
    const m = memory();
    const auditor = createAuditor(cfg, { sinks: m.sinks, stream: 'test' });
    const handler = withAudit(app, auditor);
    const call = (path: string, args: unknown = { text: 'hello', extra: 'hidden-value' }) =>
      post(path, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: args } });

    const statuses: number[] = [];
    for (const path of ['/ok', '/bad-token', '/scope', '/unknown-session', '/too-large', '/tool-throws']) {
      const res = await handler(call(path), testContext());
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    await expect(handler(call('/handler-throws'), testContext())).rejects.toThrow(/boom/);
    const res = await handler(call('/stream'), testContext());
    const reader = res.body!.getReader();
    expect((await reader.read()).value?.byteLength).toBe(10);
    expect((await reader.read()).value?.byteLength).toBe(20);
    await reader.cancel('client went away');

    expect(statuses).toEqual([200, 401, 403, 404, 413, 200]);
    expect(m.records).toHaveLength(8);
    expect(m.records.map((r) => [r.path, r.outcome, r.httpStatus])).toEqual([
      ['/ok', 'ok', 200],
      ['/bad-token', 'denied', 401],
      ['/scope', 'denied', 403],
      ['/unknown-session', 'not_found', 404],
      ['/too-large', 'too_large', 413],
      ['/tool-throws', 'tool_error', 200],
      ['/handler-throws', 'error', 500],
      ['/stream', 'aborted', 200],
    ]);
    const stream = m.records[7]!;
    expect([stream.bytesOut, stream.chunksOut]).toEqual([30, 2]);
    expect(m.records[1]!.principal).toBeUndefined();
    expect(m.records[2]!.principal?.sub).toBe('viewer');
    expect(m.records.map((r) => r.level)).toEqual(['INFO', 'WARN', 'WARN', 'WARN', 'WARN', 'WARN', 'ERROR', 'WARN']);

    // No token, no query string, no raw non-allow-listed argument anywhere; the chain verifies.
    const text = m.lines.join('');
    expect(text.includes(token)).toBe(false);
    expect(text.includes(token.split('.')[1]!)).toBe(false);
    expect(text.includes('secret=query')).toBe(false);
    expect(text.includes('hidden-value')).toBe(false);
    expect(m.records[5]!.error).toBe('Error: tool failed with Bearer [REDACTED]');
    expect(m.records[6]!.error).toBe('Error: boom near [REDACTED]:jwt');
    expect(m.lines).toHaveLength(8);
    expect(verifyChain(text)).toEqual({ ok: true, records: 8, streams: 1 });
  });

  it('fills the record fields: principal, rpc, digest, allow-listed args, trace, context', async () => {
    const m = memory();
    const handler = withAudit(
      app,
      createAuditor(cfg, { sinks: m.sinks, stream: 'fields', now: () => 1_780_000_000_000 }),
    );
    const args = { text: 'hello', extra: { b: 1, a: 2 } };
    const ctx = testContext({
      requestId: 'req-1',
      sourceIp: '203.0.113.9',
      userAgent: 'inspector/1',
      functionName: 'mcp',
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await handler(
      post(
        '/ok',
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: args } },
        { traceparent },
      ),
      ctx,
    );
    await res.text();
    const r = m.records[0]!;
    expect(r).toMatchObject({
      message: 'audit',
      schema: 1,
      kind: 'request',
      timestamp: new Date(1_780_000_000_000).toISOString(),
      service: 'mcp-lambda-stack',
      function_name: 'mcp',
      function_version: '$LATEST',
      function_request_id: 'req-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      principal: { sub: 'dev', clientId: 'inspector', scopes: ['mcp:tools'], jti: 'jti-1' },
      sessionId: 'sess-1',
      era: '2025',
      protocolVersion: '2025-11-25',
      httpMethod: 'POST',
      path: '/ok',
      method: 'tools/call',
      rpcId: 3,
      tool: 'echo',
      argsDigest: digestOf({ extra: { a: 2, b: 1 }, text: 'hello' }).digest,
      argsBytes: digestOf(args).bytes,
      args: { text: 'hello' },
      outcome: 'ok',
      httpStatus: 200,
      durationMs: 0,
      sourceIp: '203.0.113.9',
      userAgent: 'inspector/1',
      stream: 'fields',
      seq: 0,
    });
    expect(typeof r.cold_start).toBe('boolean');
    expect(r.bytesOut).toBe(
      Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'hi' }] } })),
    );
  });

  it('takes the trace id from params._meta.traceparent when there is no header, and ignores invalid ones', async () => {
    const m = memory();
    const handler = withAudit(app, createAuditor(cfg, { sinks: m.sinks }));
    const meta = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await (
      await handler(
        post('/ok', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', _meta: meta } }),
        testContext(),
      )
    ).text();
    expect(m.records[0]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdOf('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(traceIdOf('garbage')).toBeUndefined();
  });

  it('counts bytes and chunks exactly, passes the body through unchanged, and writes only when the body ends', async () => {
    const m = memory();
    const sizes = [1, 1000, 65_536, 7];
    const handler = withAudit(
      async () => new Response(chunks(sizes, { close: true })),
      createAuditor(cfg, { sinks: m.sinks }),
    );
    const res = await handler(new Request('http://127.0.0.1/mcp'), testContext());
    expect(m.records).toHaveLength(0); // the response is handed back before anything is written
    const reader = res.body!.getReader();
    const seen: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen.push(value.byteLength);
      expect(m.records).toHaveLength(0);
    }
    expect(seen).toEqual(sizes);
    expect(m.records).toHaveLength(1);
    expect(m.records[0]).toMatchObject({ outcome: 'ok', bytesOut: 66_544, chunksOut: 4, httpStatus: 200 });
  });

  it('takes the counts from the front adapter when it reports delivery (ctx.onDelivered): the body is not re-wrapped', async () => {
    const m = memory();
    const original = new Response(chunks([3, 4], { close: true }));
    const handler = withAudit(async () => original, createAuditor(cfg, { sinks: m.sinks }));
    let deliver: ((d: { bytes: number; chunks: number; error?: unknown }) => void) | undefined;
    const res = await handler(
      new Request('http://127.0.0.1/mcp'),
      testContext({
        onDelivered: (listener) => {
          deliver = listener;
        },
      }),
    );
    expect(res).toBe(original); // the same Response: no second pass-through stream
    expect(m.records).toHaveLength(0);
    deliver!({ bytes: 7, chunks: 2 });
    expect(m.records[0]).toMatchObject({ outcome: 'ok', bytesOut: 7, chunksOut: 2, httpStatus: 200 });
  });

  it('a delivery that failed after the response started is recorded as an error, with what went out', async () => {
    const m = memory();
    const handler = withAudit(async () => new Response('x'), createAuditor(cfg, { sinks: m.sinks }));
    let deliver: ((d: { bytes: number; chunks: number; error?: unknown }) => void) | undefined;
    await handler(
      new Request('http://127.0.0.1/mcp'),
      testContext({
        onDelivered: (l) => {
          deliver = l;
        },
      }),
    );
    deliver!({ bytes: 1, chunks: 1, error: new Error('body failed') });
    expect(m.records[0]).toMatchObject({ outcome: 'error', bytesOut: 1, chunksOut: 1 });
  });

  it('does not buffer: the consumer gets the first chunk while the source is still open', async () => {
    const m = memory();
    const handler = withAudit(async () => new Response(chunks([5])), createAuditor(cfg, { sinks: m.sinks }));
    const res = await handler(new Request('http://127.0.0.1/mcp'), testContext());
    const reader = res.body!.getReader();
    expect((await reader.read()).value?.byteLength).toBe(5);
    expect(m.records).toHaveLength(0);
    await reader.cancel();
    expect(m.records[0]).toMatchObject({ outcome: 'aborted', bytesOut: 5, chunksOut: 1 });
  });

  it('client disconnect (ctx.signal) mid-stream records aborted with the bytes so far, and cancels the source through lib/http', async () => {
    const m = memory();
    let cancelled = false;
    const handler = withAudit(
      async () => new Response(chunks([100, 200, 300], { onCancel: () => (cancelled = true) })),
      createAuditor(cfg, { sinks: m.sinks }),
    );
    const ac = new AbortController();
    const res = await handler(new Request('http://127.0.0.1/mcp'), testContext({ signal: ac.signal }));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    ac.abort(new DOMException('client disconnected', 'AbortError'));
    expect(m.records).toHaveLength(1);
    expect(m.records[0]).toMatchObject({ outcome: 'aborted', bytesOut: 300, chunksOut: 2 });
    await reader.cancel(); // what lib/http does when the socket closes; still exactly one record
    expect(cancelled).toBe(true);
    expect(m.records).toHaveLength(1);
  });

  it('the invocation deadline records timeout; a handler that throws after a disconnect records aborted', async () => {
    const m = memory();
    const auditor = createAuditor(cfg, { sinks: m.sinks });
    const ac = new AbortController();
    const res = await withAudit(async () => new Response(chunks([4])), auditor)(
      new Request('http://127.0.0.1/mcp'),
      testContext({ signal: ac.signal }),
    );
    await res.body!.getReader().read();
    ac.abort(new DOMException('invocation deadline', 'TimeoutError'));
    expect(m.records[0]).toMatchObject({ outcome: 'timeout', level: 'ERROR', bytesOut: 4, chunksOut: 1 });

    const gone = new AbortController();
    gone.abort(new DOMException('client disconnected', 'AbortError'));
    const throwing = withAudit(async () => {
      throw new DOMException('aborted', 'AbortError');
    }, auditor);
    await expect(throwing(new Request('http://127.0.0.1/mcp'), testContext({ signal: gone.signal }))).rejects.toThrow();
    expect(m.records[1]).toMatchObject({ outcome: 'aborted' });
    expect(m.records[1]!.httpStatus).toBeUndefined();
  });

  it('a source stream that errors mid-way records error with the bytes so far', async () => {
    const m = memory();
    let n = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ === 0) c.enqueue(new Uint8Array(9));
        else c.error(new Error('upstream broke'));
      },
    });
    const res = await withAudit(async () => new Response(failing), createAuditor(cfg, { sinks: m.sinks }))(
      new Request('http://127.0.0.1/mcp'),
      testContext(),
    );
    await expect(res.text()).rejects.toThrow(/upstream broke/);
    expect(m.records[0]).toMatchObject({ outcome: 'error', bytesOut: 9, chunksOut: 1, error: 'Error: upstream broke' });
  });

  it('derives outcomes from status when the handler sets none (429, 400, 405, 500, 504)', async () => {
    const m = memory();
    const auditor = createAuditor(cfg, { sinks: m.sinks });
    for (const status of [429, 400, 405, 500, 504, 202]) {
      const res = await withAudit(async () => new Response(status === 202 ? null : 'x', { status }), auditor)(
        new Request('http://127.0.0.1/mcp'),
        testContext(),
      );
      await res.arrayBuffer();
    }
    expect(m.records.map((r) => r.outcome)).toEqual([
      'rate_limited',
      'bad_request',
      'bad_request',
      'error',
      'timeout',
      'ok',
    ]);
  });

  it('a batch adds one tool_call record per call, before the request record, all on the chain', async () => {
    const m = memory();
    const auditor = createAuditor(cfg, { sinks: m.sinks, stream: 'batch' });
    const handler = withAudit(async (request) => {
      const span = auditSpanOf(request)!;
      span.setPrincipal(dev);
      span.setRpc({ era: '2025', protocolVersion: '2025-03-26', method: 'batch' });
      span.expectCalls([
        { tool: 'echo', rpcId: 1, args: { text: 'a' } },
        { tool: 'admin_demo', rpcId: 2, args: {} },
      ]);
      span.settle(1, { outcome: 'ok' });
      span.settle(2, { outcome: 'rpc_error', rpcErrorCode: -32003 });
      return Response.json([{}, {}]);
    }, auditor);
    await (await handler(new Request('http://127.0.0.1/mcp', { method: 'POST' }), testContext())).text();
    expect(m.records.map((r) => [r.kind, r.tool, r.outcome, r.rpcErrorCode])).toEqual([
      ['tool_call', 'echo', 'ok', undefined],
      ['tool_call', 'admin_demo', 'rpc_error', -32003],
      ['request', undefined, 'ok', undefined],
    ]);
    expect(m.records[0]!.args).toEqual({ text: 'a' });
    expect(m.records[0]!.principal?.sub).toBe('dev');
    expect(verifyChain(m.lines)).toMatchObject({ ok: true, records: 3 });
  });

  it('end() is idempotent and a manual span works without withAudit', async () => {
    const m = memory();
    const auditor = createAuditor(cfg, { sinks: m.sinks });
    const span = auditor.begin(new Request('http://127.0.0.1/sse'), testContext());
    span.setOutcome('not_found');
    span.end(new Response(null, { status: 404 }));
    span.end(new Response(null, { status: 200 }));
    expect(span.closed).toBe(true);
    expect(m.records).toHaveLength(1);
    expect(m.records[0]).toMatchObject({ outcome: 'not_found', httpStatus: 404, httpMethod: 'GET', path: '/sse' });
  });
});

describe('sink failures', () => {
  it('a throwing sink and a rejecting sink: one stderr line each, stdout still gets the record, the request is unaffected', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const sinks: AuditSink[] = [
      stdoutSink((l) => out.push(l)),
      {
        name: 'broken',
        write() {
          throw new Error(`cannot write with Bearer ${token}`);
        },
      },
      { name: 'dynamodb', write: () => Promise.reject(new Error('ResourceNotFoundException: table missing')) },
    ];
    const auditor = createAuditor(cfg, { sinks, stderr: (l) => err.push(l) });
    const res = await withAudit(app, auditor)(
      post('/ok', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } }),
      testContext(),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 1, result: { content: [{ text: 'hi' }] } });
    await auditor.flush();
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ message: 'audit', outcome: 'ok' });
    expect(err).toHaveLength(2);
    for (const line of err) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(line.includes(token)).toBe(false);
    }
    expect(JSON.parse(err[0]!).message).toBe('audit sink "broken" failed: Error: cannot write with Bearer [REDACTED]');
    expect(JSON.parse(err[1]!).message).toMatch(/^audit sink "dynamodb" failed: Error: ResourceNotFoundException/);
  });

  it('a slow sink never delays the response; flush() waits for it, and gives up after its timeout', async () => {
    const done: string[] = [];
    const slow: AuditSink = {
      name: 'slow',
      write: () =>
        new Promise<void>((r) =>
          setTimeout(() => {
            done.push('written');
            r();
          }, 150),
        ),
    };
    const err: string[] = [];
    const auditor = createAuditor(cfg, { sinks: [slow], stderr: (l) => err.push(l) });
    const res = await withAudit(async () => new Response('fast'), auditor)(
      new Request('http://127.0.0.1/mcp'),
      testContext(),
    );
    expect(await res.text()).toBe('fast');
    expect(done).toEqual([]); // the response was whole before the slow write ended
    await auditor.flush();
    expect(done).toEqual(['written']);

    const hung = createAuditor(cfg, {
      sinks: [{ name: 'hung', write: () => new Promise<void>(() => {}) }],
      stderr: (l) => err.push(l),
    });
    const span = hung.begin(new Request('http://127.0.0.1/mcp'), testContext());
    span.end();
    await hung.flush({ timeoutMs: 50 });
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/still pending after 50 ms/);
  });
});
