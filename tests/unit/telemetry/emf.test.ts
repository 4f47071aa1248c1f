// The metric lines themselves: real audit records (createAuditor + withAudit over a small app) go through
// the metrics sink, and Powertools Metrics writes EMF to the real stdout, captured here. Each line is checked
// against the EMF rules CloudWatch applies; the first test shows the exact lines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditSpanOf, createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import type { AuditSink } from '../../../lib/audit/sinks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { metricsSink } from '../../../lib/telemetry/index.ts';
import type { WebHandler } from '../../../lib/web-handler.ts';
import { testContext } from '../../support/context.ts';
import { type Captured, captureOutput } from './capture.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true' });
const NS = 'McpLambdaStack';
const DECLARED = ['echo', 'stream_demo', 'fail_demo', 'admin_demo'];

/** The app: the path picks the scenario; the span gets what lib/mcp would tell it. */
const app: WebHandler = async (request) => {
  const span = auditSpanOf(request)!;
  const scenario = new URL(request.url).pathname.slice(1);
  const call = (tool: string, withArgs = true) =>
    span.setRpc({ era: '2026-07-28', method: 'tools/call', rpcId: 1, tool, ...(withArgs ? { args: {} } : {}) });
  switch (scenario) {
    case 'tool-ok':
      call('echo');
      return Response.json({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    case 'tool-error':
      call('fail_demo');
      span.setOutcome('tool_error', { error: new Error('boom') });
      return Response.json({ jsonrpc: '2.0', id: 1, result: { isError: true, content: [] } });
    case 'unauthorized':
      return new Response('{"error":"invalid_token"}', { status: 401 });
    case 'forbidden':
      call('admin_demo');
      return new Response('{"error":"insufficient_scope"}', { status: 403 });
    case 'stream': {
      call('stream_demo');
      const parts = ['event: message\ndata: {"a":1}\n\n', 'event: message\ndata: {"b":22}\n\n'];
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = parts.shift();
          if (next === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(next));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    }
    case 'undeclared':
      // No arguments: the audit's allow-list lookup by tool name is not prototype-safe yet (#17, lib/audit).
      call('constructor', false);
      span.setOutcome('bad_request');
      return Response.json({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unknown tool' } });
    case 'batch':
      call('echo');
      span.expectCalls([
        { tool: 'echo', rpcId: 1 },
        { tool: 'fail_demo', rpcId: 2 },
      ]);
      span.settle(1, { outcome: 'ok', durationMs: 4 });
      span.settle(2, { outcome: 'tool_error', durationMs: 6 });
      return Response.json([]);
    default:
      return new Response(null, { status: 404 });
  }
};

let out: Captured;
beforeEach(() => {
  out = captureOutput();
});
afterEach(() => out.restore());

/** One invocation, as lib/apps runs it: the request, its whole body, then auditor.flush(). */
async function invoke(scenario: string) {
  const sink = metricsSink({ namespace: NS, service: 'mcp-lambda-stack', tools: DECLARED });
  // The sink has the AuditSink shape: this line is the type check the lead's `sinksFor` relies on.
  const sinks: AuditSink[] = [sink];
  const auditor = createAuditor(cfg, { sinks, stream: 'test' });
  const response = await withAudit(app, auditor)(
    new Request(`http://127.0.0.1:3000/${scenario}`, { method: 'POST', body: '{}' }),
    testContext({ requestId: `req-${scenario}` }),
  );
  const bytes = (await response.arrayBuffer()).byteLength;
  await auditor.flush();
  return { status: response.status, bytes };
}

const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Count', 'None']);

/** The EMF rules CloudWatch applies to a log event (the parts we use). Returns the problems found. */
function emfProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp)) problems.push('_aws.Timestamp');
  const directives = aws?.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, '_aws.CloudWatchMetrics'];
  for (const d of directives as Array<Record<string, unknown>>) {
    if (typeof d.Namespace !== 'string' || d.Namespace.length === 0) problems.push('Namespace');
    const dims = d.Dimensions as unknown[][];
    if (!Array.isArray(dims)) problems.push('Dimensions');
    for (const set of dims ?? []) {
      if (!Array.isArray(set) || set.length > 30) problems.push('dimension set');
      for (const name of set) if (typeof doc[name as string] !== 'string') problems.push(`dimension ${String(name)}`);
    }
    const metrics = d.Metrics as Array<{ Name?: unknown; Unit?: unknown }>;
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > 100) problems.push('Metrics');
    for (const m of metrics ?? []) {
      const v = doc[m.Name as string];
      const ok =
        typeof v === 'number' || (Array.isArray(v) && v.length <= 100 && v.every((n) => typeof n === 'number'));
      if (!ok) problems.push(`value of ${String(m.Name)}`);
      if (m.Unit !== undefined && !UNITS.has(m.Unit as string)) problems.push(`unit of ${String(m.Name)}`);
    }
  }
  return problems;
}

const emfLines = () => out.json().filter((l) => '_aws' in l);
/** name -> { unit, dimensions, value } per line, for compact assertions. */
function summary(line: Record<string, unknown>) {
  const d = (line._aws as { CloudWatchMetrics: Array<Record<string, unknown>> }).CloudWatchMetrics[0]!;
  return {
    namespace: d.Namespace,
    dimensions: Object.fromEntries((d.Dimensions as string[][])[0]!.map((k) => [k, line[k]])),
    metrics: Object.fromEntries(
      (d.Metrics as Array<{ Name: string; Unit: string }>).map((m) => [m.Name, [m.Unit, line[m.Name]]]),
    ),
  };
}

describe('EMF metric lines from audit records', () => {
  it('a tool call writes these two lines to stdout, once, at auditor.flush()', async () => {
    const { bytes } = await invoke('tool-ok');
    expect(out.stderr).toEqual([]);
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    const duration = (lines[0]!.ToolDuration as number) ?? -1;
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(lines).toEqual([
      {
        _stream: 'stdout',
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'McpLambdaStack',
              Dimensions: [['service', 'tool']],
              Metrics: [
                { Name: 'ToolCalls', Unit: 'Count' },
                { Name: 'ToolErrors', Unit: 'Count' },
                { Name: 'ToolDuration', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        service: 'mcp-lambda-stack',
        tool: 'echo',
        ToolCalls: 1,
        ToolErrors: 0,
        ToolDuration: duration,
      },
      {
        _stream: 'stdout',
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'McpLambdaStack',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'ToolCalls', Unit: 'Count' },
                { Name: 'ToolErrors', Unit: 'Count' },
                { Name: 'StreamBytesOut', Unit: 'Bytes' },
              ],
            },
          ],
        },
        service: 'mcp-lambda-stack',
        ToolCalls: 1,
        ToolErrors: 0,
        StreamBytesOut: bytes,
      },
    ]);
  });

  it('a tool error: ToolErrors 1 for the tool and the service', async () => {
    await invoke('tool-error');
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    expect(summary(lines[0]!)).toMatchObject({
      namespace: NS,
      dimensions: { service: 'mcp-lambda-stack', tool: 'fail_demo' },
      metrics: { ToolCalls: ['Count', 1], ToolErrors: ['Count', 1] },
    });
    expect(summary(lines[1]!).metrics).toMatchObject({ ToolErrors: ['Count', 1] });
  });

  it('a 401: Unauthorized 1 on the service, no tool line', async () => {
    const { status, bytes } = await invoke('unauthorized');
    expect(status).toBe(401);
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[]]);
    expect(summary(lines[0]!)).toEqual({
      namespace: NS,
      dimensions: { service: 'mcp-lambda-stack' },
      metrics: { Unauthorized: ['Count', 1], StreamBytesOut: ['Bytes', bytes] },
    });
  });

  it('a 403 on admin_demo: Forbidden 1, and the call counted for the tool without a ToolError', async () => {
    expect((await invoke('forbidden')).status).toBe(403);
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    expect(summary(lines[0]!)).toMatchObject({
      dimensions: { tool: 'admin_demo' },
      metrics: { ToolCalls: ['Count', 1], ToolErrors: ['Count', 0] },
    });
    expect(summary(lines[1]!).metrics).toMatchObject({ Forbidden: ['Count', 1], ToolErrors: ['Count', 0] });
  });

  it('a streamed response: StreamBytesOut is what the client received', async () => {
    const { bytes } = await invoke('stream');
    expect(bytes).toBe(61); // the two SSE events
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    expect(summary(lines[0]!).dimensions).toEqual({ service: 'mcp-lambda-stack', tool: 'stream_demo' });
    expect(summary(lines[1]!).metrics).toMatchObject({ StreamBytesOut: ['Bytes', bytes] });
  });

  it('an undeclared tool name (here a prototype key) is the dimension `unknown`', async () => {
    await invoke('undeclared');
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    expect(lines[0]!.tool).toBe('unknown');
    expect(out.stdout.join('\n').includes('constructor')).toBe(false);
  });

  it('a batch: each call is counted once from its tool_call record, none again from the request record', async () => {
    await invoke('batch');
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], [], []]);
    const byTool = Object.fromEntries(lines.map((l) => [String(l.tool ?? '-'), summary(l).metrics]));
    expect(byTool.echo).toMatchObject({
      ToolCalls: ['Count', 1],
      ToolErrors: ['Count', 0],
      ToolDuration: ['Milliseconds', 4],
    });
    expect(byTool.fail_demo).toMatchObject({
      ToolCalls: ['Count', 1],
      ToolErrors: ['Count', 1],
      ToolDuration: ['Milliseconds', 6],
    });
    // two calls, two values each for the service totals: [1, 1] and [0, 1]
    expect(byTool['-']).toMatchObject({ ToolCalls: ['Count', [1, 1]], ToolErrors: ['Count', [0, 1]] });
  });
});

describe('metrics sink failures', () => {
  it('a throwing tools predicate costs one rate-limited warning, never an exception; other points still go out', async () => {
    const sink = metricsSink({
      namespace: NS,
      service: 's',
      tools: () => {
        throw new Error('catalogue unavailable');
      },
    });
    const call = { kind: 'request', tool: 'echo', outcome: 'ok', durationMs: 3, function_request_id: 'r' };
    await expect(sink.write(call)).resolves.toBeUndefined();
    await sink.write(call);
    await sink.write({ kind: 'request', outcome: 'denied', httpStatus: 401, durationMs: 1, function_request_id: 'r2' });
    const warnings = out.json().filter((l) => l._stream === 'stderr');
    expect(warnings.map((l) => [l.level, l.message, l.cause, l.suppressed])).toEqual([
      ['WARN', 'metrics not derived', 'derive', 0],
    ]);
    expect(emfLines().map((l) => l.Unauthorized)).toEqual([1]);
  });

  it('once the EMF module is loaded, a request record publishes at once with the tool_call points before it', async () => {
    const sink = metricsSink({ namespace: NS, service: 's', tools: ['echo'] });
    await sink.write({ kind: 'request', outcome: 'denied', httpStatus: 401, durationMs: 1, function_request_id: 'r0' });
    expect(emfLines().map((l) => l.Unauthorized)).toEqual([1]);
    // A batch: two tool_call records wait for their request record, which then goes out with them, synchronously.
    const call = { kind: 'tool_call', tool: 'echo', outcome: 'ok', durationMs: 2, function_request_id: 'r1' };
    void sink.write(call);
    void sink.write({ ...call, outcome: 'tool_error' });
    expect(emfLines()).toHaveLength(1);
    const written = sink.write({
      kind: 'request',
      outcome: 'ok',
      httpStatus: 200,
      durationMs: 3,
      function_request_id: 'r1',
      bytesOut: 5,
    });
    const lines = emfLines().slice(1);
    expect(lines.map(emfProblems)).toEqual([[], []]);
    const byTool = Object.fromEntries(lines.map((l) => [String(l.tool ?? '-'), summary(l).metrics]));
    expect(byTool.echo).toMatchObject({ ToolCalls: ['Count', [1, 1]], ToolErrors: ['Count', [0, 1]] });
    expect(byTool['-']).toMatchObject({ ToolCalls: ['Count', [1, 1]], StreamBytesOut: ['Bytes', 5] });
    await written;
    await new Promise((r) => setImmediate(r));
    expect(emfLines()).toHaveLength(3);
  });

  it('a duration or size that is not a finite amount is left out rather than written as null', async () => {
    const sink = metricsSink({ namespace: NS, service: 's', tools: ['echo'] });
    await sink.write({
      kind: 'request',
      tool: 'echo',
      outcome: 'ok',
      durationMs: Number.NaN,
      bytesOut: -1,
      function_request_id: 'r',
    });
    const lines = emfLines();
    expect(lines.map(emfProblems)).toEqual([[], []]);
    expect(lines.map((l) => ['ToolDuration' in l, 'StreamBytesOut' in l, l.ToolCalls])).toEqual([
      [false, false, 1],
      [false, false, 1],
    ]);
  });
});
