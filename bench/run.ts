// `npm run bench`: cold init (import, first response, first authenticated answer), in-process CPU per
// invocation (bench/cpu.ts), warm throughput/latency, streaming latency, JWT verification and memory, each
// next to its reference measured in the same run. Writes bench/results.md and bench/results.png (and the
// raw numbers to bench/tmp/results.json). About 3 minutes on a 2-core machine.
//
// Env: BENCH_COLD_RUNS (default 20), BENCH_WARM_SEC (default 10), BENCH_CONNECTIONS (default 10),
//      BENCH_STREAM_CHUNKS (default 1000), BENCH_CPU_MS (default 30000: shorter runs left tools/call ±15 %), BENCH_CPU_BEFORE (optional: a folder
//      with mcp/, prm/, sse/ bundles of another commit, shown as "ours, before"), TRAEFIK_BIN (optional:
//      also stream through Traefik).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestIssuer } from '../tests/support/issuer.ts';
import {
  buildBenchBundles,
  buildBenchServers,
  HOST_BUNDLE,
  packageBreakdown,
  REFERENCE_SERVERS_BUNDLE,
  ROOT,
} from './bundles.ts';
import { renderPng } from './chart.ts';
import { type ColdTarget, DEPLOYED_ENV, delayedJwks, measureColdInit } from './cold-init.ts';
import { NOOP_ROOT, startBenchHost, writeNoopRoot } from './host.ts';
import { mcpToolCall, rssKb, runLoad } from './load.ts';
import {
  type BenchResults,
  type ColdRow,
  type CpuRow,
  chartSpec,
  FIRST_AUTH,
  FIRST_AUTH_FAR,
  FIRST_AUTH_PC,
  goalsOf,
  NOOP_LABEL,
  renderMarkdown,
  SINGLE_LABEL,
  type StreamRow,
  type WarmRow,
} from './report.ts';
import { summarize } from './stats.ts';
import { callStreamDemo, type StreamTarget } from './stream-latency.ts';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const WARM_SEC = Number(process.env.BENCH_WARM_SEC ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const STREAM_CHUNKS = Number(process.env.BENCH_STREAM_CHUNKS ?? 1000);
const FIRST_CHUNK_CALLS = 30;

const t0 = performance.now();
const say = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);
const mb = (kb: number) => kb / 1024;

async function startReference(
  kind: 'sdk' | 'raw',
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [REFERENCE_SERVERS_BUNDLE, kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${kind} reference exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One echo call; throws unless it is a 200 carrying the echoed text (so we never benchmark an error page). */
async function checkEcho(url: string, headers: Record<string, string>, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('hello bench')) {
    throw new Error(`sanity call to ${url} failed: ${res.status} ${text.slice(0, 300)}`);
  }
}

async function warmTarget(
  label: string,
  note: string,
  url: string,
  pid: number | undefined,
  headers: Record<string, string>,
  body: string,
  beforeMain?: () => void,
): Promise<WarmRow> {
  await sleep(1000);
  const idle = rssKb(pid);
  await checkEcho(url, headers, body);
  say(`warm: ${label}: 2 s warm-up`);
  await runLoad({ url, headers, body, connections: CONNECTIONS, durationSec: 2 });
  beforeMain?.();
  say(`warm: ${label}: ${WARM_SEC} s at ${CONNECTIONS} connections`);
  const r = await runLoad({ url, headers, body, connections: CONNECTIONS, durationSec: WARM_SEC, pid });
  say(`warm: ${label}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}`);
  return {
    label,
    note,
    rps: r.rps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    idleRssMb: mb(idle),
    loadedRssMb: mb(r.peakRssKb),
    cpuUsPerRequest: r.cpuUsPerRequest,
  };
}

async function streamRow(label: string, target: StreamTarget, token: string): Promise<StreamRow> {
  const first: number[] = [];
  const firstAfter: number[] = [];
  for (let i = 0; i < FIRST_CHUNK_CALLS; i++) {
    const run = await callStreamDemo(target, token, { chunks: 1, intervalMs: 0 });
    if (run.latencies.length !== 1 || !run.gotResult) throw new Error(`${label}: one-chunk call did not complete`);
    first.push(run.latencies[0]!);
    firstAfter.push(run.firstChunkAfterMs);
  }
  say(`stream: ${label}: ${STREAM_CHUNKS} chunks, 2 ms apart`);
  const run = await callStreamDemo(target, token, { chunks: STREAM_CHUNKS, intervalMs: 2 });
  if (run.latencies.length !== STREAM_CHUNKS || !run.gotResult) {
    throw new Error(`${label}: got ${run.latencies.length}/${STREAM_CHUNKS} chunks, result ${run.gotResult}`);
  }
  const latency = summarize(run.latencies);
  say(`stream: ${label}: p50 ${latency.median} ms, p99 ${latency.p99} ms`);
  return {
    label,
    chunks: STREAM_CHUNKS,
    latency,
    firstChunk: summarize(first),
    firstChunkAfterRequest: summarize(firstAfter),
  };
}

async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => http.createServer());
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))),
    ),
  );
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function traefikRow(issuer: Awaited<ReturnType<typeof startTestIssuer>>): Promise<StreamRow> {
  const bin = process.env.TRAEFIK_BIN;
  if (!bin) return { label: 'via Traefik', skipped: 'TRAEFIK_BIN not set' };
  const { startTraefik } = await import('../local/traefik.ts');
  const [httpsPort, httpPort, pingPort, hostPort] = await freePorts(4);
  const publicUrl = `https://mcp.localhost:${httpsPort}/mcp`;
  const host = await startBenchHost(
    { PORT: String(hostPort), MCP_PUBLIC_URL: publicUrl, AUTH_ISSUER: issuer.issuer },
    [],
    HOST_BUNDLE,
  );
  try {
    const traefik = await startTraefik({
      bin,
      hostPort: hostPort!,
      asPort: Number(new URL(issuer.issuer).port),
      httpsPort,
      httpPort,
      pingPort,
      accessLogFile: path.join(ROOT, 'bench', 'tmp', 'traefik-access.log'),
    });
    try {
      const token = await issuer.token({ audience: publicUrl, scope: 'mcp:tools' });
      return await streamRow('via Traefik', { url: publicUrl, ca: await readFile(traefik.caFile) }, token);
    } finally {
      await traefik.stop();
    }
  } finally {
    await host.stop();
  }
}

/** bench/cpu.ts in a child process of its own (audit lines to /dev/null, as Lambda ships them off-process). */
async function cpuBench(diagnostics = false): Promise<CpuRow[]> {
  const out = path.join(ROOT, 'bench', 'tmp', diagnostics ? 'cpu-diagnostics.json' : 'cpu.json');
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/cpu.ts'), out], {
    env: {
      ...process.env,
      BENCH_CPU_MS: diagnostics ? '20000' : (process.env.BENCH_CPU_MS ?? '30000'),
      BENCH_CPU_DIAGNOSTICS: diagnostics ? '1' : '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`bench/cpu.ts exited with ${code}`);
  return JSON.parse(await readFile(out, 'utf8')) as CpuRow[];
}

async function jwtBench(): Promise<BenchResults['jwt']> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/jwt-verify.ts')], {
    env: { ...process.env, BENCH_MS: process.env.BENCH_JWT_MS ?? '1500' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const json = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  if (code !== 0) say(`jwt: jwt-verify exited with ${code} (JWKS fetched during the warm loop?)`);
  return json;
}

// ---- the run ----
say('building bundles with scripts/build.ts esbuildOptions() (functions, SDK reference, investigation probes)');
const built = await buildBenchBundles();
await buildBenchServers();
const b = Object.fromEntries(built.bundles.map((x) => [x.name, x]));

const issuer = await startTestIssuer();
const JWKS_DELAY_MS = 30;
const farJwks = await delayedJwks(issuer.jwksUrl, JWKS_DELAY_MS);
const coldEnv = {
  MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp',
  AUTH_ISSUER: issuer.issuer,
  AUTH_JWKS_URL: issuer.jwksUrl,
  AUDIT_SINK: 'stdout',
  // The `call` probe's bearer token (bench/cold-probe.ts); valid for the whole run.
  BENCH_TOKEN: await issuer.token({ audience: 'http://127.0.0.1:3000/mcp', scope: 'mcp:tools', ttlSec: 3600 }),
};
const coldTargets: Array<ColdTarget & { note: string; short?: string }> = [
  { label: 'mcp', bundle: b.mcp!, probe: '401', note: 'dist/mcp (401 path: POST without token)' },
  { label: 'prm', bundle: b.prm!, probe: 'prm', note: 'dist/prm (GET PRM)' },
  { label: 'sse', bundle: b.sse!, probe: '401', note: 'dist/sse (POST without token)' },
  { label: 'reference', bundle: b.reference!, probe: '401', note: 'SDK v2 createMcpHandler + jose + zod (401)' },
  {
    label: FIRST_AUTH.ours,
    short: 'mcp (first authenticated)',
    bundle: b.mcp!,
    probe: 'call',
    note: 'dist/mcp: 2026-07-28 tools/call echo with a token; JWKS fetched from the local issuer',
  },
  {
    label: FIRST_AUTH.reference,
    short: 'reference (first authenticated)',
    bundle: b.reference!,
    probe: 'call',
    note: 'the reference: the same call, token verified by jose against the same JWKS',
  },
  // The same two with the key set a network round trip away (a real AS is not on loopback): ours overlaps
  // the key fetch with loading its core (lib/apps/mcp.ts prefetch), which loopback leaves nothing to overlap.
  {
    label: FIRST_AUTH_FAR.ours,
    short: 'mcp (first auth, JWKS 30 ms)',
    bundle: b.mcp!,
    probe: 'call',
    env: { AUTH_JWKS_URL: farJwks.url },
    note: `as "${FIRST_AUTH.ours}", the JWKS answering ${JWKS_DELAY_MS} ms late`,
  },
  {
    label: FIRST_AUTH_FAR.reference,
    short: 'reference (first auth, JWKS 30 ms)',
    bundle: b.reference!,
    probe: 'call',
    env: { AUTH_JWKS_URL: farJwks.url },
    note: `as "${FIRST_AUTH.reference}", the JWKS answering ${JWKS_DELAY_MS} ms late`,
  },
  {
    label: 'mcp, first authenticated answer, as deployed',
    short: 'mcp (first auth, deployed)',
    bundle: b.mcp!,
    probe: 'call',
    env: DEPLOYED_ENV,
    note: 'diagnostic: configured as template.yaml deploys /mcp (STORE=dynamodb, TASKS=lambda; a stateless call never reaches DynamoDB)',
  },
  {
    label: FIRST_AUTH_PC,
    short: 'mcp (first auth, PC)',
    bundle: b.mcp!,
    probe: 'call',
    env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' },
    note: 'as an environment of provisioned concurrency initialises: keys and core loaded (and awaited) at init, then the call',
  },
  {
    label: 'mcp, fetch globals preloaded',
    short: 'mcp (fetch preloaded)',
    bundle: b.mcp!,
    probe: '401',
    prewarm: true,
    note: 'diagnostic: Headers/Request/Response loaded before the clock',
  },
  {
    label: 'reference, fetch globals preloaded',
    short: 'reference (fetch preloaded)',
    bundle: b.reference!,
    probe: '401',
    prewarm: true,
    note: 'diagnostic: as above',
  },
  { label: 'auth-401', bundle: b['auth-401']!, probe: '401', note: 'investigation: lib/auth 401 path, no SDK' },
  { label: 'sdk-only', bundle: b['sdk-only']!, probe: '401', note: 'investigation: MCP SDK v2 alone' },
  { label: 'zod-only', bundle: b['zod-only']!, probe: '401', note: 'investigation: zod alone' },
  { label: 'dynamodb-only', bundle: b['dynamodb-only']!, probe: '401', note: 'investigation: AWS SDK DynamoDB alone' },
];
say(`cold init: ${coldTargets.length} targets x ${COLD_RUNS} fresh processes`);
const cold = await measureColdInit(coldTargets, COLD_RUNS, coldEnv, say);
const coldRows: ColdRow[] = coldTargets.map((t) => ({
  ...cold.get(t.label)!,
  note: t.note,
  ...(t.short ? { short: t.short } : {}),
  ...(t.prewarm
    ? {}
    : {
        bytes: t.bundle.bytes,
        gzipBytes: t.bundle.gzipBytes,
        totalBytes: t.bundle.totalBytes,
        totalGzipBytes: t.bundle.totalGzipBytes,
      }),
}));
for (const c of coldRows) say(`cold init: ${c.label}: import median ${c.importMs.median.toFixed(1)} ms`);

say(`cpu: bench/cpu.ts, ${process.env.BENCH_CPU_MS ?? 30000} ms of interleaved in-process calls`);
const cpu = await cpuBench();
for (const c of cpu) say(`cpu: ${c.scenario}: ${c.target}: ${c.cpuUs.toFixed(0)} µs per call`);
say('cpu: diagnostic pass (tools/call and the 401 without audit sinks, without metrics), 20 s');
const cpuDiagnostics = await cpuBench(true);
for (const c of cpuDiagnostics)
  say(`cpu, diagnostic pass: ${c.scenario}: ${c.target}: ${c.cpuUs.toFixed(0)} µs per call`);

say('warm: starting the local host (local/host.ts on the bench copies of the bundles) with the test issuer');
const authEnv = { AUTH_ISSUER: issuer.issuer, AUTH_JWKS_URL: issuer.jwksUrl };
const host = await startBenchHost(authEnv, [], HOST_BUNDLE);
const warm: WarmRow[] = [];
let jwksFetchesDuringWarmLoad = Number.NaN;
const stream: StreamRow[] = [];
const memoryExtra: NonNullable<BenchResults['memoryExtra']> = [];
try {
  const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools', ttlSec: 3600 });
  const echo = mcpToolCall('echo', { text: 'hello bench' });
  const jwksPath = new URL(issuer.jwksUrl).pathname;
  let jwksBefore = 0;
  warm.push(
    await warmTarget(
      'ours',
      'local host (all three functions) + JWT checked on every request',
      host.mcpUrl,
      host.pid,
      { ...echo.headers, authorization: `Bearer ${token}` },
      echo.body,
      () => {
        jwksBefore = issuer.server.count(jwksPath);
      },
    ),
  );
  jwksFetchesDuringWarmLoad = issuer.server.count(jwksPath) - jwksBefore;
  say(`warm: JWKS fetches during the main load: ${jwksFetchesDuringWarmLoad}`);
  say('warm: diagnostic: a second host with AUTH_DISABLED=true (splits the JWT cost out)');
  const open = await startBenchHost({ AUTH_DISABLED: 'true' }, [], HOST_BUNDLE);
  try {
    warm.push(
      await warmTarget(
        'ours, auth off',
        'diagnostic: same host, AUTH_DISABLED=true',
        open.mcpUrl,
        open.pid,
        echo.headers,
        echo.body,
      ),
    );
  } finally {
    await open.stop();
  }
  for (const kind of ['sdk', 'raw'] as const) {
    const ref = await startReference(kind);
    try {
      const note = kind === 'sdk' ? 'official SDK v2 createMcpHandler on node:http' : 'raw node:http JSON (ceiling)';
      warm.push(await warmTarget(kind, note, ref.url, ref.child.pid, echo.headers, echo.body));
    } finally {
      await ref.stop();
    }
  }
  // The emulator's own cost: the same host serving one streaming function that only writes the raw reply;
  // its CPU per request minus the raw server's is what the emulator adds (event, runtime stream, prelude).
  say('warm: diagnostic: the host serving a no-op function (the emulator alone)');
  writeNoopRoot(NOOP_ROOT);
  const noop = await startBenchHost({ BENCH_ROOT: NOOP_ROOT }, [], HOST_BUNDLE);
  try {
    warm.push(
      await warmTarget(
        NOOP_LABEL,
        'diagnostic: the local host serving a function that only writes the raw reply (the emulator alone)',
        noop.mcpUrl,
        noop.pid,
        echo.headers,
        echo.body,
      ),
    );
  } finally {
    await noop.stop();
  }
  // Lambda runs one function per process: the same load on a host serving McpFunction alone.
  say('warm: one-function host (FUNCTIONS=McpFunction)');
  const single = await startBenchHost({ ...authEnv, FUNCTIONS: 'McpFunction' }, [], HOST_BUNDLE);
  try {
    const singleToken = await issuer.token({ audience: single.mcpUrl, scope: 'mcp:tools', ttlSec: 3600 });
    warm.push(
      await warmTarget(
        SINGLE_LABEL,
        'FUNCTIONS=McpFunction: one function per process, as Lambda runs it',
        single.mcpUrl,
        single.pid,
        { ...echo.headers, authorization: `Bearer ${singleToken}` },
        echo.body,
      ),
    );
  } finally {
    await single.stop();
  }
  say('memory: diagnostic: the one-function host run from TypeScript (type stripper resident)');
  const tsHost = await startBenchHost({ ...authEnv, FUNCTIONS: 'McpFunction' });
  try {
    await sleep(1000);
    memoryExtra.push({
      label: 'ours, McpFunction only, host as TypeScript',
      note: 'diagnostic: `node bench/host.ts`, so Node loads its TypeScript type stripper; no Lambda function carries it',
      idleRssMb: mb(rssKb(tsHost.pid)),
    });
  } finally {
    await tsHost.stop();
  }
  say('stream: local host, first-chunk calls');
  // A failing stream measurement is reported in its row; it does not throw away the rest of the run.
  stream.push(
    await streamRow('local host', { url: host.mcpUrl }, token).catch((err: Error) => ({
      label: 'local host',
      skipped: `failed: ${err.message}`,
    })),
  );
} finally {
  await host.stop();
}
say(process.env.TRAEFIK_BIN ? 'stream: through Traefik' : 'stream: Traefik skipped: TRAEFIK_BIN not set');
stream.push(
  await traefikRow(issuer).catch((err: Error) => ({ label: 'via Traefik', skipped: `failed: ${err.message}` })),
);
await farJwks.stop();
await issuer.stop();

say('jwt: bench/jwt-verify.ts');
const jwt = await jwtBench();

// Cedar policies (lib/policy, #20): its own script and JSON, so the report's tables stay as they are.
say('policy: bench/policy.ts');
const policyRun = spawn(process.execPath, [path.join(ROOT, 'bench/policy.ts')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let policyOut = '';
policyRun.stdout!.on('data', (d) => (policyOut += d));
const policyCode = await new Promise<number | null>((r) => policyRun.once('exit', r));
const policy = JSON.parse(policyOut.trim().split('\n').pop() || '{}');
await writeFile(path.join(ROOT, 'bench/tmp/policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
say(
  `policy: ${policy.policies} policies, ${policy.decideAllowUs?.p50?.toFixed(0)} µs p50 per call (goal ≤ ${policy.goalUs} µs); ` +
    `PRM and 401 paths ${policyCode === 0 ? 'load nothing of Cedar' : 'REACH CEDAR'}`,
);

const results: BenchResults = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' '),
  node: process.versions.node,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  runsPerBundle: COLD_RUNS,
  cold: coldRows,
  breakdown: {
    'mcp entry': packageBreakdown(built.metafiles.mcp!, 'entry'),
    'mcp entry + chunks': packageBreakdown(built.metafiles.mcp!),
    'prm entry': packageBreakdown(built.metafiles.prm!, 'entry'),
    'reference entry': packageBreakdown(built.metafiles.reference!, 'entry'),
  },
  warm,
  cpu,
  cpuDiagnostics,
  memoryExtra,
  warmConnections: CONNECTIONS,
  warmDurationSec: WARM_SEC,
  jwksFetchesDuringWarmLoad,
  stream,
  jwt,
  elapsedSec: (performance.now() - t0) / 1000,
};
await writeFile(path.join(ROOT, 'bench/tmp/results.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(path.join(ROOT, 'bench/results.md'), renderMarkdown(results));
await writeFile(path.join(ROOT, 'bench/results.png'), await renderPng(chartSpec(results)));
for (const g of goalsOf(results)) say(`goal: ${g.goal.name}: ${g.verdict}`);
say('wrote bench/results.md and bench/results.png');
