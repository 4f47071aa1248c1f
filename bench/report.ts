// Turns one bench run into bench/results.md (pure: renderMarkdown) and a Vega-Lite chart spec
// (pure: chartSpec). bench/chart.ts renders the spec to PNG.
//
//   goalsOf(r: BenchResults): GoalResult[]
//   renderMarkdown(r: BenchResults): string
//   chartSpec(r: BenchResults): object     (a Vega-Lite v6 spec with four panels)
import { checkGoal, fmt, type GoalResult, ratio, type Summary } from './stats.ts';

export interface ColdRow {
  label: string;
  note: string;
  /** Label on the chart when `label` is long. */
  short?: string;
  bytes?: number;
  gzipBytes?: number;
  totalBytes?: number;
  totalGzipBytes?: number;
  importMs: Summary;
  firstResponseMs: Summary;
  rssMb: Summary;
  statuses: number[];
}

export interface WarmRow {
  label: string;
  note: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  idleRssMb: number;
  loadedRssMb: number;
  /** CPU of the server process (and its children) per request during the load, µs (/proc). */
  cpuUsPerRequest?: number;
}

export interface StreamRow {
  label: string;
  skipped?: string;
  chunks?: number;
  latency?: Summary;
  firstChunk?: Summary;
  firstChunkAfterRequest?: Summary;
}

/** In-process CPU per invocation (bench/cpu.ts): one row per (scenario, target). */
export interface CpuRow {
  scenario: string;
  target: string;
  /** CPU (user + system) per call, µs: the trimmed mean over interleaved batches */
  cpuUs: number;
  calls: number;
  status: number;
}

/** Labels of the cold rows the first-authenticated-answer goal compares. */
export const FIRST_AUTH = {
  ours: 'mcp, first authenticated answer',
  reference: 'reference, first authenticated answer',
};

/** The diagnostic CPU target: the /mcp bundle with AUDIT_SINK=off (the record is built and chained, never written). */
export const AUDIT_OFF = 'ours, no audit sinks (diagnostic)';

/** The diagnostic CPU target: the /mcp bundle with POWERTOOLS_METRICS_DISABLED=true (audit line, no EMF line). */
export const METRICS_OFF = 'ours, no metrics (diagnostic)';

/** The warm row of the local host serving a no-op function: its CPU per request minus raw's is the emulator's. */
export const NOOP_LABEL = 'host, no-op function';

/** The first authenticated answer of an environment that provisioned concurrency initialised ahead of traffic. */
export const FIRST_AUTH_PC = 'mcp, first authenticated answer, provisioned concurrency';

/** The first authenticated answer with the key set 30 ms away (a network round trip to a real AS). */
export const FIRST_AUTH_FAR = {
  ours: 'mcp, first authenticated answer, JWKS 30 ms away',
  reference: 'reference, first authenticated answer, JWKS 30 ms away',
};

export interface BenchResults {
  date: string;
  node: string;
  machine: string;
  runsPerBundle: number;
  cold: ColdRow[];
  breakdown: Record<string, Array<{ pkg: string; bytes: number }>>;
  warm: WarmRow[];
  warmConnections: number;
  warmDurationSec: number;
  jwksFetchesDuringWarmLoad: number;
  stream: StreamRow[];
  jwt: {
    perAlgorithmMs: number;
    jwksFetchesDuringWarmLoop: number;
    results: Record<string, { verificationsPerSec: number; p50Us: number; p99Us: number }>;
  };
  /** In-process CPU per invocation (issue #18); absent in older result files. */
  cpu?: CpuRow[];
  /** The diagnostic pass of bench/cpu.ts (BENCH_CPU_DIAGNOSTICS=1), run apart from the main one. */
  cpuDiagnostics?: CpuRow[];
  /** Memory-only rows (no load): diagnostics shown in the memory section. */
  memoryExtra?: Array<{ label: string; note: string; idleRssMb: number }>;
  elapsedSec: number;
}

/** The warm row of the host serving McpFunction alone: what the idle RSS goal is judged on. */
export const SINGLE_LABEL = 'ours, McpFunction only';

const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const kb = (b?: number) => (b === undefined ? '—' : `${(b / 1024).toFixed(1)} KiB`);
const find = <T extends { label: string }>(rows: T[], label: string) => rows.find((r) => r.label === label);

export function goalsOf(r: BenchResults): GoalResult[] {
  const mcp = find(r.cold, 'mcp');
  const ref = find(r.cold, 'reference');
  const prm = find(r.cold, 'prm');
  const ours = find(r.warm, 'ours');
  const sdk = find(r.warm, 'sdk');
  const local = find(r.stream, 'local host');
  const goals: GoalResult[] = [
    checkGoal(
      {
        name: 'cold init of /mcp ≤ ⅓ of the reference bundle (median import, ratio)',
        op: '<=',
        target: 1 / 3,
        unit: '×',
      },
      ratio(mcp?.importMs.median ?? Number.NaN, ref?.importMs.median ?? Number.NaN),
    ),
    checkGoal(
      { name: 'PRM path import ≤ 10 ms (median)', op: '<=', target: 10, unit: 'ms' },
      prm?.importMs.median ?? Number.NaN,
    ),
    checkGoal(
      { name: '401 path import ≤ 10 ms (median; the /mcp bundle answers the 401)', op: '<=', target: 10, unit: 'ms' },
      mcp?.importMs.median ?? Number.NaN,
    ),
    checkGoal(
      { name: 'warm req/s ≥ 3× the SDK reference (ratio)', op: '>=', target: 3, unit: '×' },
      ratio(ours?.rps ?? Number.NaN, sdk?.rps ?? Number.NaN),
    ),
    checkGoal({ name: 'warm p99 ≤ 10 ms', op: '<=', target: 10, unit: 'ms' }, ours?.p99Ms ?? Number.NaN),
    checkGoal(
      { name: 'first-chunk delay ≤ 5 ms (median, emit → receive, local host)', op: '<=', target: 5, unit: 'ms' },
      local?.firstChunk?.median ?? Number.NaN,
    ),
    checkGoal(
      {
        name: 'idle RSS ≤ 80 MB (host process serving McpFunction, one function per process as on Lambda)',
        op: '<=',
        target: 80,
        unit: 'MB',
      },
      (find(r.warm, SINGLE_LABEL) ?? ours)?.idleRssMb ?? Number.NaN,
    ),
  ];
  // Issue #18: CPU per invocation (what Lambda bills), the first authenticated answer, the host under load.
  const cpu = (scenario: string, target: string) =>
    r.cpu?.find((c) => c.scenario === scenario && c.target === target)?.cpuUs ?? Number.NaN;
  const cpuRatio = (scenario: string) => ratio(cpu(scenario, 'ours'), cpu(scenario, 'reference'));
  goals.push(
    checkGoal(
      {
        name: 'tools/call CPU ≤ 1.15× the SDK reference with a token cache (in process)',
        op: '<=',
        target: 1.15,
        unit: '×',
      },
      cpuRatio('tools/call'),
    ),
    checkGoal(
      { name: 'tools/list CPU ≤ 1.0× the SDK reference (in process)', op: '<=', target: 1, unit: '×' },
      cpuRatio('tools/list'),
    ),
    checkGoal(
      { name: '401 without a token CPU ≤ 2× the reference (in process)', op: '<=', target: 2, unit: '×' },
      cpuRatio('401 without a token'),
    ),
    checkGoal(
      { name: 'PRM GET CPU ≤ 1.0× the reference (in process)', op: '<=', target: 1, unit: '×' },
      cpuRatio('PRM GET'),
    ),
    checkGoal(
      {
        name: 'first authenticated answer from a fresh process ≤ 0.8× the reference (median)',
        op: '<=',
        target: 0.8,
        unit: '×',
      },
      ratio(
        find(r.cold, FIRST_AUTH.ours)?.firstResponseMs.median ?? Number.NaN,
        find(r.cold, FIRST_AUTH.reference)?.firstResponseMs.median ?? Number.NaN,
      ),
    ),
    checkGoal(
      {
        name: `local host req/s ≥ 1.0× the SDK v2 reference on node:http (${r.warmConnections} connections, auth and audit on; includes the emulator)`,
        op: '>=',
        target: 1,
        unit: '×',
      },
      ratio(ours?.rps ?? Number.NaN, sdk?.rps ?? Number.NaN),
    ),
  );
  return goals;
}

/** The CPU table: one line per scenario, the targets side by side, and ours over each reference. */
function cpuSection(rows: readonly CpuRow[]): string[] {
  const targets = [...new Set(rows.map((c) => c.target))];
  const scenarios = [...new Set(rows.map((c) => c.scenario))];
  const at = (s: string, t: string) => rows.find((c) => c.scenario === s && c.target === t)?.cpuUs ?? Number.NaN;
  const L = [
    '## CPU per invocation (in process)',
    '',
    "Each function's bundle (`scripts/build.ts` options) is called in one Node process with a Function URL event, one call at",
    'a time, into a runtime response stream, with one event-loop turn after every call (as the Lambda runtime turns the',
    'loop between invocations); `process.cpuUsage` over batches of 40 calls, the batches of every (scenario, target)',
    'interleaved in a new seeded order each round (a fixed order favoured some slots by 7-11 % on identical bundles);',
    'the figure is the mean per call with the highest and lowest 10 % of batches left out. This is what Lambda',
    'bills. The reference (bench/reference/lambda-entry.ts) is the SDK v2 `createMcpHandler` with a fresh server per',
    'request holding the same tools as ours (lib/tools/demo.ts: names, descriptions, zod schemas, plain `registerTool`),',
    'jose with a 30 s verified-token cache (as ours) or without, a static PRM and a bare 401, behind the least a Lambda',
    'function needs. "ours, before" (when present) is another commit\'s bundles (BENCH_CPU_BEFORE), built the same way.',
    '',
    row(['scenario', ...targets.map((t) => `${t} µs`), 'ours / reference', 'ours / reference, no cache']),
    row(['---', ...targets.map(() => '---:'), '---:', '---:']),
  ];
  for (const s of scenarios) {
    L.push(
      row([
        s,
        ...targets.map((t) => fmt(at(s, t), 0)),
        `${fmt(ratio(at(s, 'ours'), at(s, 'reference')), 2)}×`,
        `${fmt(ratio(at(s, 'ours'), at(s, 'reference, no cache')), 2)}×`,
      ]),
    );
  }
  L.push('');
  return L;
}

/** What the audit line's write and the EMF metrics cost, from the diagnostic pass (its own ours and reference). */
function cpuDiagnosticsSection(rows: readonly CpuRow[]): string[] {
  const at = (s: string, t: string) => rows.find((c) => c.scenario === s && c.target === t)?.cpuUs ?? Number.NaN;
  const line = (s: string) =>
    `| ${s} | ${fmt(at(s, 'ours'), 0)} | ${fmt(at(s, METRICS_OFF), 0)} | ${fmt(at(s, AUDIT_OFF), 0)} | ${fmt(at(s, 'reference'), 0)} | ${fmt(ratio(at(s, METRICS_OFF), at(s, 'reference')), 2)}× |`;
  return [
    'Diagnostic pass (a second `bench/cpu.ts` run, apart, so the table above is not changed by it): further instances of',
    `the same /mcp bundle in one process with the reference. "${METRICS_OFF}": POWERTOOLS_METRICS_DISABLED=true, the`,
    `audit line is written but no EMF line; "${AUDIT_OFF}": AUDIT_SINK=off, the record is still built, redacted and`,
    'chained, but neither written nor turned into metrics.',
    '',
    '| scenario | ours µs | no metrics µs | no audit sinks µs | reference µs | no metrics / reference |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    line('tools/call'),
    line('401 without a token'),
    '',
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const L: string[] = [];
  L.push('# Benchmark results', '');
  L.push(
    `Generated by \`npm run bench\` on ${r.date} (Node ${r.node}, ${r.machine}; the whole run took ${fmt(r.elapsedSec, 0)} s).`,
    'Every figure sits next to its reference, measured in the same run, because the machines are shared and noisy.',
    '![benchmark chart](results.png)',
    '',
  );

  L.push('## Goals', '', row(['goal', 'verdict']), row(['---', '---']));
  for (const g of goalsOf(r)) L.push(row([g.goal.name, g.met === false ? `**${g.verdict}**` : g.verdict]));
  L.push('');
  const far = (label: string) => find(r.cold, label)?.firstResponseMs.median ?? Number.NaN;
  const farRatio = ratio(far(FIRST_AUTH_FAR.ours), far(FIRST_AUTH_FAR.reference));
  if (Number.isFinite(farRatio)) {
    L.push(
      `Not a goal, for context: with the JWKS 30 ms away (a network round trip to a real AS; the goal's issuer is on`,
      `loopback), the first authenticated answer is ${farRatio.toFixed(2)}× the reference's (${far(FIRST_AUTH_FAR.ours).toFixed(1)} ms vs ${far(FIRST_AUTH_FAR.reference).toFixed(1)} ms).`,
      '',
    );
  }
  const pc = find(r.cold, FIRST_AUTH_PC);
  if (pc) {
    const after = pc.firstResponseMs.median - pc.importMs.median;
    const refRow = find(r.cold, FIRST_AUTH.reference);
    const refAfter = refRow ? refRow.firstResponseMs.median - refRow.importMs.median : Number.NaN;
    L.push(
      `With provisioned concurrency (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency), init loads the keys and the`,
      `core ahead of traffic (median ${pc.importMs.median.toFixed(1)} ms, off the request path) and the first authenticated answer then takes ${after.toFixed(1)} ms:`,
      `${ratio(after, refAfter).toFixed(2)}× the reference's first answer after its import (${refAfter.toFixed(1)} ms; its import does all its loading at init anyway).`,
      '',
    );
  }
  if (r.cpu?.length) L.push(...cpuSection(r.cpu));
  if (r.cpuDiagnostics?.length) L.push(...cpuDiagnosticsSection(r.cpuDiagnostics));

  L.push(
    '## Cold init',
    '',
    `Each bundle is imported in a fresh Node process (no compile cache), ${r.runsPerBundle} runs each, the bundles interleaved.`,
    '"import" is `await import(bundle)`, which constructs the app at module scope; "first response" adds the first request',
    '(POST /mcp without a token, or GET of the PRM; for the "first authenticated answer" rows a 2026-07-28 tools/call',
    "with a valid token, whose JWKS the process fetches from the local issuer, on loopback or 30 ms late) handled in process; RSS is that process's",
    'median RSS after it.',
    "Every bundle is built with scripts/build.ts `esbuildOptions()` (the template's BuildProperties: minified ESM, code",
    'splitting); the reference and the probes with the /mcp function\'s options. "entry" is the file init loads; "total"',
    'adds the chunks it may import lazily.',
    '',
    row([
      'bundle',
      'what',
      'entry',
      'entry gzip',
      'total',
      'total gzip',
      'import min',
      'median',
      'p95',
      'first response median',
      'p95',
      'RSS MB',
      'status',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
  );
  for (const c of r.cold) {
    L.push(
      row([
        c.label,
        c.note,
        kb(c.bytes),
        kb(c.gzipBytes),
        kb(c.totalBytes),
        kb(c.totalGzipBytes),
        fmt(c.importMs.min),
        fmt(c.importMs.median),
        fmt(c.importMs.p95),
        fmt(c.firstResponseMs.median),
        fmt(c.firstResponseMs.p95),
        fmt(c.rssMb.median),
        c.statuses.join(','),
      ]),
    );
  }
  L.push('', 'Bytes by package (esbuild metafile), largest first:', '');
  for (const [name, rows] of Object.entries(r.breakdown)) {
    L.push(
      `- **${name}**: ${rows
        .slice(0, 8)
        .map((x) => `${x.pkg} ${kb(x.bytes)}`)
        .join(', ')}`,
    );
  }
  L.push('');

  L.push(
    '## Warm throughput and latency',
    '',
    "Ours is measured through the local Function URL host (local/host.ts): **these figures include the emulator's own",
    "overhead** (HTTP → payload 2.0 event → the bundle's Lambda handler → response stream framing → HTTP), which a deployed",
    'function does not carry; the SDK reference runs on plain node:http.',
    '',
    `autocannon, ${r.warmConnections} connections, ${r.warmDurationSec} s per target after a 2 s warm-up, same request for all: a stateless`,
    '2026-07-28 `tools/call echo` POST (`mcp-protocol-version`, `mcp-method`, `mcp-name`, accept `application/json, text/event-stream`).',
    'Ours goes through the local Function URL host (payload 2.0 event, Lambda streaming adapter) with a real RS256 JWT checked',
    'on every request; the signature itself is verified once per 30 s: lib/auth/token-cache.ts keeps a token that passed the',
    'full verification for up to 30 s and re-checks its exp on each request. The SDK reference is the official v2 `createMcpHandler` with one echo tool on node:http (no auth, so it is',
    'the SDK alone); the raw reply is a fixed JSON body from node:http (the ceiling). RSS from /proc/<pid>/status.',
    '',
    row([
      'target',
      'what',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'requests',
      'non-2xx',
      'errors',
      'server CPU µs/req',
      'idle RSS MB',
      'loaded RSS MB',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const w of r.warm) {
    L.push(
      row([
        w.label,
        w.note,
        fmt(w.rps, 0),
        fmt(w.p50Ms, 2),
        fmt(w.p99Ms, 2),
        fmt(w.maxMs, 2),
        w.requests,
        w.non2xx,
        w.errors,
        fmt(w.cpuUsPerRequest ?? Number.NaN, 0),
        fmt(w.idleRssMb),
        fmt(w.loadedRssMb),
      ]),
    );
  }
  const ours = find(r.warm, 'ours');
  const sdk = find(r.warm, 'sdk');
  const raw = find(r.warm, 'raw');
  L.push(
    '',
    `Ours / SDK reference: ${fmt(ratio(ours?.rps ?? Number.NaN, sdk?.rps ?? Number.NaN), 2)}× req/s; ours / raw ceiling: ${fmt(ratio(ours?.rps ?? Number.NaN, raw?.rps ?? Number.NaN), 3)}×.`,
    `JWKS fetches by the host during the warm load: **${r.jwksFetchesDuringWarmLoad}** (must be 0).`,
    '',
  );
  const noop = find(r.warm, NOOP_LABEL);
  const cpuOf = (w: WarmRow | undefined) => w?.cpuUsPerRequest ?? Number.NaN;
  if (noop && Number.isFinite(cpuOf(noop)) && Number.isFinite(cpuOf(raw))) {
    L.push(
      `Where the server CPU goes (µs per request, from /proc): the emulator alone ("${NOOP_LABEL}" − raw) costs`,
      `${fmt(cpuOf(noop) - cpuOf(raw), 0)}; ours spends ${fmt(cpuOf(ours), 0)} per request against the SDK's ${fmt(cpuOf(sdk), 0)} (no auth, no audit):`,
      'the function itself, not the emulator, sets our req/s (the in-process CPU table above has its split).',
      '',
    );
  }

  L.push(
    '## Memory',
    '',
    'RSS of each server process from /proc/<pid>/status: idle is 1 s after start, before any request (the /mcp core,',
    'i.e. the MCP SDK, zod and the stores, is imported on the first authenticated request, so it is not resident yet);',
    'loaded is the peak during its warm load above. The host and the reference servers run as plain JS bundles',
    '(bench/bundles.ts buildBenchServers), as Lambda runs JS: run from TypeScript, Node also keeps its type stripper resident.',
    '',
    row(['process', 'what', 'idle RSS MB', 'loaded RSS MB']),
    row(['---', '---', '---:', '---:']),
    ...r.warm
      .filter((w) => w.label !== 'ours, auth off' && w.label !== NOOP_LABEL)
      .map((w) => row([w.label, w.note, fmt(w.idleRssMb), fmt(w.loadedRssMb)])),
    ...(r.memoryExtra ?? []).map((m) => row([m.label, m.note, fmt(m.idleRssMb), '—'])),
    '',
  );

  L.push(
    '## Streaming latency',
    '',
    '`stream_demo` puts `at: Date.now()` in each `notifications/message`; the client subtracts it from its own `Date.now()` on',
    'arrival (same machine clock; whole milliseconds, so each sample is ±1 ms). "chunks" is one call of 1000 chunks, 2 ms apart.',
    '"first chunk" is chunk 1 of separate one-chunk calls (`interval_ms: 0`); "request → first chunk" is from sending the request.',
    '',
    row([
      'path',
      'chunks p50 ms',
      'p99 ms',
      'max ms',
      'n',
      'first chunk p50 ms',
      'p99 ms',
      'request → first chunk p50 ms',
      'p99 ms',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const s of r.stream) {
    if (s.skipped) {
      L.push(row([s.label, `skipped: ${s.skipped}`, '', '', '', '', '', '', '']));
      continue;
    }
    L.push(
      row([
        s.label,
        fmt(s.latency?.median),
        fmt(s.latency?.p99),
        fmt(s.latency?.max),
        s.latency?.n ?? 0,
        fmt(s.firstChunk?.median),
        fmt(s.firstChunk?.p99),
        fmt(s.firstChunkAfterRequest?.median),
        fmt(s.firstChunkAfterRequest?.p99),
      ]),
    );
  }
  L.push('');

  L.push(
    '## JWT verification',
    '',
    `bench/jwt-verify.ts: lib/auth verifyAccessToken with a warm JWKS from loopback, ${r.jwt.perAlgorithmMs} ms per algorithm, one at a time,`,
    'the verified-token cache emptied before each call (full verification); the last row is cache hits (same tokens within 30 s).',
    '',
    row(['algorithm', 'verifications/s', 'p50 µs', 'p99 µs']),
    row(['---', '---:', '---:', '---:']),
  );
  for (const [alg, v] of Object.entries(r.jwt.results)) L.push(row([alg, v.verificationsPerSec, v.p50Us, v.p99Us]));
  L.push('', `JWKS fetches during the warm loop: **${r.jwt.jwksFetchesDuringWarmLoop}** (must be 0).`, '');
  return `${L.join('\n')}\n`;
}

export function chartSpec(r: BenchResults): Record<string, unknown> {
  const bar = (title: string, values: Array<{ k: string; v: number; s?: string }>, axis: string, width = 260) => ({
    title,
    width,
    height: 160,
    data: { values: values.filter((x) => Number.isFinite(x.v)) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'k', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
      xOffset: { field: 's' },
      y: { field: 'v', type: 'quantitative', title: axis },
      color: { field: 's', type: 'nominal', title: null },
    },
  });
  const cold = r.cold.flatMap((c) => [
    { k: c.short ?? c.label, v: c.importMs.median, s: 'import' },
    { k: c.short ?? c.label, v: c.firstResponseMs.median, s: 'first response' },
  ]);
  const rps = r.warm.map((w) => ({ k: w.label, v: w.rps, s: 'req/s' }));
  const lat = r.warm.flatMap((w) => [
    { k: w.label, v: w.p50Ms, s: 'p50' },
    { k: w.label, v: w.p99Ms, s: 'p99' },
  ]);
  const stream = r.stream
    .filter((s) => !s.skipped)
    .flatMap((s) => [
      { k: `${s.label} chunks`, v: s.latency?.median ?? Number.NaN, s: 'p50' },
      { k: `${s.label} chunks`, v: s.latency?.p99 ?? Number.NaN, s: 'p99' },
      { k: `${s.label} first`, v: s.firstChunk?.median ?? Number.NaN, s: 'p50' },
      { k: `${s.label} first`, v: s.firstChunk?.p99 ?? Number.NaN, s: 'p99' },
    ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `mcp-lambda-stack bench, ${r.date}`, subtitle: `Node ${r.node}, ${r.machine}` },
    background: 'white',
    padding: 12,
    resolve: { scale: { color: 'independent' } },
    vconcat: [
      {
        hconcat: [
          bar('Cold init, median ms (fresh process)', cold, 'ms', 440),
          bar('Warm tools/call echo, req/s (10 connections)', rps, 'req/s'),
        ],
        resolve: { scale: { color: 'independent' } },
      },
      {
        hconcat: [bar('Warm latency, ms', lat, 'ms'), bar('Stream chunk emit → receive, ms', stream, 'ms')],
        resolve: { scale: { color: 'independent' } },
      },
    ],
  };
}
