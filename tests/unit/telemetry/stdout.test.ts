// Issue #18: one stdout write per request carries its audit line(s) and its EMF line(s). Parsed line by line,
// the write holds exactly the records the other sinks got and exactly the EMF documents Powertools' own
// publishStoredMetrics() writes for the same points (the path used before), Timestamp aside.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditSpanOf, createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { verifyChain } from '../../../lib/audit/chain.ts';
import type { AuditRecord } from '../../../lib/audit/record.ts';
import { type AuditSink, stdoutSink } from '../../../lib/audit/sinks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { metricsSink } from '../../../lib/telemetry/index.ts';
import { lineBatch } from '../../../lib/telemetry/stdout.ts';
import type { WebHandler } from '../../../lib/web-handler.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true' });
const NS = 'McpLambdaStack';
const SERVICE = 'mcp-lambda-stack';

let writes: string[];
beforeEach(() => {
  writes = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
});
afterEach(() => vi.restoreAllMocks());

const app: WebHandler = async (request) => {
  const span = auditSpanOf(request)!;
  const scenario = new URL(request.url).pathname.slice(1);
  if (scenario === 'denied') return new Response('{"error":"invalid_token"}', { status: 401 });
  if (scenario === 'batch') {
    span.setRpc({ era: '2026-07-28', method: 'tools/call', rpcId: 1, tool: 'echo', args: {} });
    span.expectCalls([
      { tool: 'echo', rpcId: 1 },
      { tool: 'fail_demo', rpcId: 2 },
    ]);
    span.settle(1, { outcome: 'ok', durationMs: 4 });
    span.settle(2, { outcome: 'tool_error', durationMs: 6 });
    return Response.json([]);
  }
  span.setRpc({ era: '2026-07-28', method: 'tools/call', rpcId: 1, tool: 'echo', args: { text: 'hi' } });
  return Response.json({ jsonrpc: '2.0', id: 1, result: { content: [] } });
};

/** The EMF documents publishStoredMetrics() writes through Powertools' Console for these records. */
function powertoolsDocuments(records: AuditRecord[]): unknown[] {
  const before = writes.length;
  const service = new Metrics({ namespace: NS, serviceName: SERVICE });
  const perTool = new Map<string, Metrics>();
  const tool = (t: string) => {
    let m = perTool.get(t);
    if (!m) {
      m = new Metrics({ namespace: NS, serviceName: SERVICE, defaultDimensions: { tool: t } });
      perTool.set(t, m);
    }
    return m;
  };
  const order: Metrics[] = [];
  const add = (m: Metrics, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], v: number) => {
    if (!order.includes(m)) order.push(m);
    m.addMetric(name, unit, v);
  };
  const batch = records.length > 1;
  for (const r of records) {
    if (r.tool && !(batch && r.kind === 'request')) {
      const failed = r.outcome === 'ok' ? 0 : 1;
      add(tool(r.tool), 'ToolCalls', MetricUnit.Count, 1);
      add(tool(r.tool), 'ToolErrors', MetricUnit.Count, failed);
      add(tool(r.tool), 'ToolDuration', MetricUnit.Milliseconds, r.durationMs);
      add(service, 'ToolCalls', MetricUnit.Count, 1);
      add(service, 'ToolErrors', MetricUnit.Count, failed);
    }
    if (r.kind === 'request' && r.httpStatus === 401) add(service, 'Unauthorized', MetricUnit.Count, 1);
    if (r.kind === 'request' && r.bytesOut !== undefined) add(service, 'StreamBytesOut', MetricUnit.Bytes, r.bytesOut);
  }
  for (const m of order) m.publishStoredMetrics();
  const docs = writes.splice(before).flatMap((w) => w.split('\n').filter(Boolean));
  return docs.map((l) => withoutTimestamp(JSON.parse(l)));
}

function withoutTimestamp(doc: Record<string, unknown>) {
  const aws = doc._aws as Record<string, unknown>;
  expect(typeof aws.Timestamp).toBe('number');
  return { ...doc, _aws: { ...aws, Timestamp: 0 } };
}

describe('one stdout write per request', () => {
  it('audit line(s) and EMF line(s) leave in one write, with the same records and the same EMF documents', async () => {
    const records: AuditRecord[] = [];
    const sinks: AuditSink[] = [
      { name: 'memory', write: (r) => void records.push(r) },
      stdoutSink(),
      metricsSink({ namespace: NS, service: SERVICE, tools: ['echo', 'fail_demo'] }),
    ];
    const auditor = createAuditor(cfg, { sinks, stream: 'one-write' });
    const handler = withAudit(app, auditor);
    const invoke = async (scenario: string) => {
      const res = await handler(new Request(`http://127.0.0.1:3000/${scenario}`, { method: 'POST' }), testContext());
      await res.arrayBuffer();
      await auditor.flush();
    };
    await invoke('call'); // loads the EMF module: these metrics go out a turn later, in a write of their own
    writes = [];
    records.length = 0;
    for (const scenario of ['denied', 'call', 'batch']) {
      const seen = records.length;
      const w = writes.length;
      await invoke(scenario);
      const mine = records.slice(seen);
      expect(writes.length - w).toBe(1);
      const lines = writes[w]!.split('\n');
      expect(lines.pop()).toBe(''); // whole lines only
      const audit = lines.filter((l) => l.includes('"message":"audit"'));
      const emf = lines.filter((l) => l.includes('"_aws"'));
      expect(audit.length + emf.length).toBe(lines.length);
      expect(audit.map((l) => JSON.parse(l))).toEqual(mine.map((r) => JSON.parse(JSON.stringify(r))));
      expect(lines.slice(0, audit.length)).toEqual(audit); // the records first, then their metrics
      expect(emf.map((l) => withoutTimestamp(JSON.parse(l)))).toEqual(powertoolsDocuments(mine));
    }
    expect(
      verifyChain(
        records.map((r) => JSON.stringify(r)),
        { partial: true },
      ),
    ).toMatchObject({ ok: true });
  });

  it('a stdout that throws costs one stderr line; the other sinks still get the record and the request succeeds', async () => {
    const errors: string[] = [];
    const records: AuditRecord[] = [];
    vi.mocked(process.stdout.write).mockImplementation(() => {
      throw new Error('EPIPE');
    });
    const auditor = createAuditor(cfg, {
      sinks: [{ name: 'memory', write: (r) => void records.push(r) }, stdoutSink()],
      stderr: (l) => errors.push(l),
    });
    const res = await withAudit(app, auditor)(
      new Request('http://127.0.0.1:3000/denied', { method: 'POST' }),
      testContext(),
    );
    expect(res.status).toBe(401);
    await res.text();
    expect(records).toHaveLength(1);
    expect(errors.map((l) => JSON.parse(l).message)).toEqual(['audit sink "stdout" failed: Error: EPIPE']);
  });
});

describe('metrics sink and auditor.flush()', () => {
  it('once the EMF module is loaded, a request record leaves nothing pending: no promise for flush() to wait on', async () => {
    const sink = metricsSink({ namespace: NS, service: SERVICE, tools: ['echo'], out: () => {} });
    const denied = { kind: 'request', outcome: 'denied', httpStatus: 401, durationMs: 1, function_request_id: 'r0' };
    const first = sink.write(denied);
    expect(first).toBeInstanceOf(Promise); // the module loads on the first publication
    await first;
    expect(sink.write({ ...denied, function_request_id: 'r1' })).toBeUndefined();
    const call = { kind: 'request', tool: 'echo', outcome: 'ok', durationMs: 2, function_request_id: 'r2' };
    expect(sink.write(call)).toBeUndefined();
  });
});

describe('lineBatch', () => {
  it('writes through when not corked; corked, holds until the outermost uncork, then writes once', () => {
    const out: string[] = [];
    const b = lineBatch((t) => out.push(t));
    b.write('a\n');
    b.cork();
    b.write('b\n');
    b.cork();
    b.write('c\n');
    b.uncork();
    expect(out).toEqual(['a\n']);
    b.uncork();
    expect(out).toEqual(['a\n', 'b\nc\n']);
    b.uncork(); // unbalanced: no-op
    b.cork();
    b.uncork(); // nothing held: no write
    expect(out).toEqual(['a\n', 'b\nc\n']);
  });
});
