// In-process CPU per invocation, what Lambda bills: each bundle's handler (built by bench/bundles.ts with
// the template's esbuild options) called in this process with a Function URL event, one call at a time,
// into a runtime response stream that discards bytes. `process.cpuUsage` over batches of calls, batches of
// every (scenario, target) pair interleaved, in a new (seeded) order each round, so machine noise and the
// leftovers of the previous batch fall on all alike. Audit records go to
// stdout: run with stdout to /dev/null (bench/run.ts does), as Lambda ships them off-process too.
//
//   node bench/cpu.ts <out.json> > /dev/null       BENCH_CPU_MS (default 30000): time spent calling
//   BENCH_CPU_ONLY=ours:tools/call node --cpu-prof --cpu-prof-dir=bench/tmp/prof bench/cpu.ts x.json > /dev/null
//   (BENCH_CPU_ONLY: one target:scenario, or several separated by semicolons, run interleaved; target names hold commas)
//   BENCH_CPU_DIAGNOSTICS=1: the diagnostic pass instead (tools/call and the 401: ours, the reference, and the
//   /mcp bundle without audit sinks and without metrics)
//
// Targets: `ours` (dist mcp, prm and sse bundles), `reference` (bench/reference/lambda-entry.ts, verified
// tokens cached 30 s, as ours does by default) and `reference, no cache` (jose verifies every call);
// with BENCH_CPU_BEFORE=<dir> (mcp/, prm/, sse/ bundles of another commit) also `ours, before`.
// The figure per (scenario, target) is the mean over its batches with the highest and lowest 10 %
// of batches left out: garbage collection stays in (it is billed), a batch that a neighbour process
// slowed down does not decide the result.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { installAwsLambdaGlobal, RuntimeResponseStream } from '../local/runtime.ts';
import { startTestIssuer } from '../tests/support/issuer.ts';
import { OUT } from './bundles.ts';
import { mcpToolCall } from './load.ts';
import { AUDIT_OFF, type CpuRow, METRICS_OFF } from './report.ts';
import { trimmedMean } from './stats.ts';

type Handler = (event: unknown, stream: RuntimeResponseStream, context: unknown) => Promise<void>;

const MS = Number(process.env.BENCH_CPU_MS ?? 30000);
const BATCH = 40;
const ONLY = process.env.BENCH_CPU_ONLY;
const publicUrl = 'http://127.0.0.1:3000/mcp';

installAwsLambdaGlobal();
const issuer = await startTestIssuer();
Object.assign(process.env, {
  MCP_PUBLIC_URL: publicUrl,
  AUTH_ISSUER: issuer.issuer,
  AUTH_JWKS_URL: issuer.jwksUrl,
  AUDIT_SINK: 'stdout',
});
const load = async (name: string) =>
  (await import(pathToFileURL(path.join(OUT, name, 'index.mjs')).href)) as Record<string, Handler>;
const [mcp, prm, sse, ref] = await Promise.all([load('mcp'), load('prm'), load('sse'), load('reference-lambda')]);
// Diagnostic: a second instance of the same /mcp bundle (its own module URL, so its own config and app)
// configured with AUDIT_SINK=off: the record is still built and chained, but not written, and no metrics line.
// ours minus this is what the stdout write and the EMF line cost; chunks are shared, and every per-config
// state in them is keyed by config.
process.env.AUDIT_SINK = 'off';
const mcpNoAudit = (await import(`${pathToFileURL(path.join(OUT, 'mcp', 'index.mjs')).href}?audit=off`)) as Record<
  string,
  Handler
>;
process.env.AUDIT_SINK = 'stdout';
// Diagnostic: a third instance with POWERTOOLS_METRICS_DISABLED=true: the audit line is written, no EMF line.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const mcpNoMetrics = (await import(`${pathToFileURL(path.join(OUT, 'mcp', 'index.mjs')).href}?metrics=off`)) as Record<
  string,
  Handler
>;
delete process.env.POWERTOOLS_METRICS_DISABLED;
const BEFORE = process.env.BENCH_CPU_BEFORE;
const loadBefore = async (name: string) =>
  (await import(pathToFileURL(path.join(BEFORE!, name, 'index.mjs')).href)) as Record<string, Handler>;
const before = BEFORE ? await Promise.all([loadBefore('mcp'), loadBefore('prm'), loadBefore('sse')]) : undefined;
const token = await issuer.token({ audience: publicUrl, scope: 'mcp:tools', ttlSec: 3600 });

let n = 0;
function event(method: string, rawPath: string, headers: Record<string, string>, body?: string, query = '') {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: query,
    headers: {
      host: '127.0.0.1:3000',
      'x-forwarded-proto': 'http',
      ...headers,
      ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    },
    requestContext: {
      domainName: '127.0.0.1:3000',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: `r${++n}`,
      timeEpoch: Date.now(),
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  };
}
const context = () => ({
  awsRequestId: `r${n}`,
  functionName: 'bench',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 30_000,
});

/** One invocation; resolves with the HTTP status from the prelude and the body text. */
async function invoke(handler: Handler, ev: ReturnType<typeof event>): Promise<{ status: number; body: string }> {
  const chunks: Buffer[] = [];
  const stream = new RuntimeResponseStream((c) => chunks.push(c));
  await handler(ev, stream, context());
  const all = Buffer.concat(chunks);
  const cut = all.indexOf(Buffer.alloc(8));
  const prelude = JSON.parse(all.subarray(0, cut).toString()) as { statusCode: number };
  return { status: prelude.statusCode, body: all.subarray(cut + 8).toString() };
}

const bearer = { authorization: `Bearer ${token}` };
const call = mcpToolCall('echo', { text: 'hello bench' });
const list = {
  headers: { ...call.headers, 'mcp-method': 'tools/list' } as Record<string, string>,
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 2,
    method: 'tools/list',
    params: { _meta: JSON.parse(call.body).params._meta },
  }),
};
delete list.headers['mcp-name'];

// The legacy SSE POST needs a session: GET /sse once, keep the endpoint, then close the stream.
async function sseSession(handler: Handler): Promise<string> {
  let endpoint = '';
  const stream = new RuntimeResponseStream((c) => {
    const m = /sessionId=([^\s&]+)/.exec(c.toString());
    if (m && !endpoint) {
      endpoint = decodeURIComponent(m[1]!);
      setImmediate(() => stream.destroy());
    }
  });
  await handler(event('GET', '/sse', { ...bearer, accept: 'text/event-stream' }), stream, context());
  if (!endpoint) throw new Error('GET /sse gave no endpoint');
  return endpoint;
}
const sessionId = await sseSession(sse.handler!);
const beforeSessionId = before ? await sseSession(before[2].handler!) : '';
const ssePost = JSON.stringify({
  jsonrpc: '2.0',
  id: 3,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello bench' } },
});

interface Case {
  scenario: string;
  target: string;
  run: () => Promise<{ status: number; body: string }>;
  expect: (r: { status: number; body: string }) => boolean;
}
const ok200 = (r: { status: number; body: string }) => r.status === 200 && r.body.includes('hello bench');
const listed = (r: { status: number; body: string }) => r.status === 200 && r.body.includes('"echo"');
const refs: Array<[string, Handler]> = [
  ['ours', mcp.handler!],
  ...(before ? [['ours, before', before[0].handler!] as [string, Handler]] : []),
  ['reference', ref.handler!],
  ['reference, no cache', ref.uncached!],
];
const cases: Case[] = [];
const diagnostics: Array<[string, Handler]> = [
  [AUDIT_OFF, mcpNoAudit.handler!],
  [METRICS_OFF, mcpNoMetrics.handler!],
];
for (const [target, h] of [...refs, ...diagnostics]) {
  cases.push({
    scenario: 'tools/call',
    target,
    run: () => invoke(h, event('POST', '/mcp', { ...call.headers, ...bearer }, call.body)),
    expect: ok200,
  });
  cases.push({
    scenario: 'tools/list',
    target,
    run: () => invoke(h, event('POST', '/mcp', { ...list.headers, ...bearer }, list.body)),
    expect: listed,
  });
}
for (const [target, h] of [
  ['ours', mcp.handler!],
  ...(before ? [['ours, before', before[0].handler!] as const] : []),
  ['reference', ref.handler!],
  ...diagnostics,
] as const) {
  cases.push({
    scenario: '401 without a token',
    target,
    run: () => invoke(h, event('POST', '/mcp', call.headers, call.body)),
    expect: (r) => r.status === 401,
  });
}
for (const [target, h] of [
  ['ours', prm.handler!],
  ...(before ? [['ours, before', before[1].handler!] as const] : []),
  ['reference', ref.handler!],
] as const) {
  cases.push({
    scenario: 'PRM GET',
    target,
    run: () => invoke(h, event('GET', '/.well-known/oauth-protected-resource/mcp', {})),
    expect: (r) => r.status === 200 && r.body.includes('authorization_servers'),
  });
}
for (const [target, h, id] of [
  ['ours', sse.handler!, sessionId],
  ...(before ? [['ours, before', before[2].handler!, beforeSessionId] as const] : []),
] as const) {
  cases.push({
    scenario: 'legacy SSE POST',
    target,
    run: () =>
      invoke(
        h,
        event(
          'POST',
          '/messages/',
          { ...bearer, 'content-type': 'application/json' },
          ssePost,
          `sessionId=${encodeURIComponent(id)}`,
        ),
      ),
    expect: (r) => r.status === 202,
  });
}

const only = ONLY ? new Set(ONLY.split(';').map((s) => s.trim())) : undefined;
// Between two invocations the Lambda runtime waits for the next event (I/O), so the event loop turns:
// timers, immediates and the WeakRefs a job kept alive are dealt with there. Without that turn here, a
// handler that never leaves the microtask queue would leave that work to whichever case turns the loop
// next (its batch would pay for it), so every call is followed by one turn, counted for every target alike.
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
// The diagnostic instances run in a pass of their own (BENCH_CPU_DIAGNOSTICS=1: tools/call and the 401, ours,
// the reference and the two diagnostics), so that they do not change what the main pass measures.
const DIAGNOSTIC_PASS = process.env.BENCH_CPU_DIAGNOSTICS === '1';
const isDiagnostic = (c: Case) => c.target === AUDIT_OFF || c.target === METRICS_OFF;
const inPass = (c: Case) =>
  DIAGNOSTIC_PASS
    ? (isDiagnostic(c) || c.target === 'ours' || c.target === 'reference') &&
      (c.scenario === 'tools/call' || c.scenario === '401 without a token')
    : !isDiagnostic(c);
const chosen = only ? cases.filter((c) => only.has(`${c.target}:${c.scenario}`)) : cases.filter(inPass);
// Sanity and warm-up: every case answers as expected before any figure is taken.
for (const c of chosen) {
  const r = await c.run();
  if (!c.expect(r)) throw new Error(`${c.target} ${c.scenario}: ${r.status} ${r.body.slice(0, 300)}`);
  for (let i = 0; i < 300; i++) {
    await c.run();
    await turn();
  }
}
const acc = new Map(chosen.map((c) => [c, { batches: [] as number[], calls: 0, status: 0 }]));
// Each round runs the cases in a new order (a seeded shuffle): a case that always ran right after the same
// neighbour, or first in its round, would pay for that neighbour's leftovers (its garbage collected in the next
// batch, caches filled with other code); measured at 7-11 % on identical bundles in a fixed order.
let seed = 0x2f6b_1a3d;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const shuffled = <T>(xs: readonly T[]): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};
const until = performance.now() + MS;
while (performance.now() < until) {
  for (const c of shuffled(chosen)) {
    const a = acc.get(c)!;
    const t0 = process.cpuUsage();
    let last = { status: 0, body: '' };
    for (let i = 0; i < BATCH; i++) {
      last = await c.run();
      await turn();
    }
    const d = process.cpuUsage(t0);
    a.batches.push((d.user + d.system) / BATCH);
    a.calls += BATCH;
    a.status = last.status;
  }
}
const rows: CpuRow[] = chosen.map((c) => {
  const a = acc.get(c)!;
  return { scenario: c.scenario, target: c.target, cpuUs: trimmedMean(a.batches), calls: a.calls, status: a.status };
});
await issuer.stop();
const out = process.argv[2];
if (out) writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
for (const r of rows) {
  process.stderr.write(
    `${r.scenario.padEnd(20)} ${r.target.padEnd(20)} ${r.cpuUs.toFixed(0).padStart(6)} µs  (${r.calls} calls)\n`,
  );
}
