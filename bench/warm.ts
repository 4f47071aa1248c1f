// The warm phase alone, for iterating on the hot path: builds the function bundles into
// bench/tmp/bundles (as bench/bundles.ts does) and the host as plain JS (as `npm run bench` runs it),
// starts the test issuer, the local host and the SDK reference, and loads each with the same
// authenticated `tools/call echo` as `npm run bench`, in interleaved rounds (the machine is shared: a
// figure only means something next to its reference measured in the same minutes).
//
//   node bench/warm.ts                 ours and the SDK reference, BENCH_WARM_ROUNDS (default 1) rounds of
//                                      BENCH_WARM_SEC (default 5) s per target
//   BENCH_TARGETS=ours node bench/warm.ts         only these (comma list of ours, before, sdk, noop,
//                                      noop-before, raw, ours-x2)
//   ours-x2 (diagnostic): the host as two processes on one port (bench/host.ts BENCH_PROCESSES=2): what a
//                                      second core does for the same code; CPU per request sums both
//   BENCH_HOST_BEFORE=<checkout> node bench/warm.ts   adds `before`: that checkout's bench/host.ts and
//                                      local/ (e.g. a `git worktree add --detach` of main) bundled the same
//                                      way, serving the same function bundles: an A/B of the emulator alone
//   BENCH_HOST_ARGS="--cpu-prof --cpu-prof-dir=bench/tmp/prof" node bench/warm.ts   profile the host; the
//                                      host then runs from TypeScript, so a profile names local/*.ts
//
// The emulator's own cost: `noop` is the same host serving one streaming function that answers the raw
// reference's JSON through HttpResponseStream and does nothing else; `raw` is node:http answering that JSON
// (bench/reference/servers.ts). noop − raw, in CPU µs per request, is what the emulator adds to a request
// (payload 2.0 event, runtime stream, prelude, deadline timer, chunked response); `noop-before` is the same
// with the BENCH_HOST_BEFORE host.
//
// Prints one line per target and round, then the median of the rounds per target: req/s, p50, p99 and the
// server process's CPU µs per request (/proc/<pid>/stat over the load: the whole process, i.e. node:http,
// the emulator and the function); BENCH_WARM_JSON=<file> also writes them as JSON.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as esbuild from 'esbuild';
import { loadTemplate } from '../local/template.ts';
import { esbuildOptions } from '../scripts/build.ts';
import { startTestIssuer } from '../tests/support/issuer.ts';
import { buildBenchServers, HOST_BUNDLE, OUT, REFERENCE_SERVERS_BUNDLE, ROOT } from './bundles.ts';
import { NOOP_ROOT, startBenchHost, writeNoopRoot } from './host.ts';
import { type LoadResult, mcpToolCall, rssKb, runLoad } from './load.ts';

const SEC = Number(process.env.BENCH_WARM_SEC ?? 5);
const ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const BEFORE = process.env.BENCH_HOST_BEFORE;
const TARGETS = (process.env.BENCH_TARGETS ?? (BEFORE ? 'ours,before,sdk' : 'ours,sdk')).split(',');
const HOST_ARGS = process.env.BENCH_HOST_ARGS?.split(' ').filter(Boolean) ?? [];
const BEFORE_BUNDLE = path.join(path.dirname(HOST_BUNDLE), 'host-before.mjs');

for (const fn of loadTemplate(path.join(ROOT, 'template.yaml'))) {
  const dir = path.join(OUT, fn.name);
  rmSync(dir, { recursive: true, force: true });
  // BENCH_MINIFY=false keeps names readable in a profile (the figures that count are minified).
  const minify = process.env.BENCH_MINIFY !== 'false';
  await esbuild.build({ ...esbuildOptions(fn), outdir: dir, ...(minify ? {} : { minify: false }) });
}
await buildBenchServers();
if (TARGETS.some((t) => t === 'noop' || t === 'noop-before')) writeNoopRoot(NOOP_ROOT);
if (TARGETS.some((t) => t === 'before' || t === 'noop-before')) {
  if (!BEFORE) throw new Error('target "before" needs BENCH_HOST_BEFORE=<checkout>');
  await esbuild.build({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
    nodePaths: [path.join(ROOT, 'node_modules')],
    entryPoints: [path.join(BEFORE, 'bench/host.ts')],
    outfile: BEFORE_BUNDLE,
  });
}

interface Target {
  label: string;
  url: string;
  pid: number | undefined;
  headers: Record<string, string>;
  idleKb: number;
  stop(): Promise<void>;
}

const issuer = await startTestIssuer();
const echo = mcpToolCall('echo', { text: 'hello bench' });

async function hostTarget(label: string, script: string, env: Record<string, string> = {}): Promise<Target> {
  const hostEnv = { AUTH_ISSUER: issuer.issuer, AUTH_JWKS_URL: issuer.jwksUrl, ...env };
  // A profile needs file names: the host then runs from TypeScript (this checkout's only).
  const host = HOST_ARGS.length ? await startBenchHost(hostEnv, HOST_ARGS) : await startBenchHost(hostEnv, [], script);
  const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools', ttlSec: 3600 });
  await sleep(500);
  return {
    label,
    url: host.mcpUrl,
    pid: host.pid,
    headers: { ...echo.headers, authorization: `Bearer ${token}` },
    idleKb: rssKb(host.pid),
    stop: host.stop,
  };
}

async function referenceTarget(kind: 'sdk' | 'raw'): Promise<Target> {
  const child = spawn(process.execPath, [REFERENCE_SERVERS_BUNDLE, kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) => {
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(m[1]!);
    });
  });
  await sleep(500);
  return {
    label: kind,
    url: `http://127.0.0.1:${port}/mcp`,
    pid: child.pid,
    headers: echo.headers,
    idleKb: rssKb(child.pid),
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

const targets: Target[] = [];
const runs = new Map<string, LoadResult[]>();
try {
  if (TARGETS.includes('ours')) targets.push(await hostTarget('ours', HOST_BUNDLE));
  if (TARGETS.includes('before')) targets.push(await hostTarget('before', BEFORE_BUNDLE));
  if (TARGETS.includes('ours-x2')) targets.push(await hostTarget('ours-x2', HOST_BUNDLE, { BENCH_PROCESSES: '2' }));
  if (TARGETS.includes('sdk')) targets.push(await referenceTarget('sdk'));
  if (TARGETS.includes('noop')) targets.push(await hostTarget('noop', HOST_BUNDLE, { BENCH_ROOT: NOOP_ROOT }));
  if (TARGETS.includes('noop-before')) {
    targets.push(await hostTarget('noop-before', BEFORE_BUNDLE, { BENCH_ROOT: NOOP_ROOT }));
  }
  if (TARGETS.includes('raw')) targets.push(await referenceTarget('raw'));
  for (const t of targets) {
    await runLoad({ url: t.url, headers: t.headers, body: echo.body, connections: CONNECTIONS, durationSec: 2 });
    runs.set(t.label, []);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order, so no target always runs right after the same neighbour.
    const order = round % 2 ? targets : [...targets].reverse();
    for (const t of order) {
      const r = await runLoad({
        url: t.url,
        headers: t.headers,
        body: echo.body,
        connections: CONNECTIONS,
        durationSec: SEC,
        pid: t.pid,
      });
      runs.get(t.label)!.push(r);
      process.stdout.write(
        `${`${t.label} #${round}`.padEnd(10)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms} ms  ` +
          `p99 ${r.p99Ms} ms  cpu ${r.cpuUsPerRequest.toFixed(0)} µs/req  non-2xx ${r.non2xx}  ` +
          `idle ${(t.idleKb / 1024).toFixed(1)} MB  loaded ${(r.peakRssKb / 1024).toFixed(1)} MB\n`,
      );
    }
  }
} finally {
  for (const t of targets) await t.stop();
  await issuer.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const summary = [...runs].map(([label, rs]) => ({
  label,
  rounds: rs.length,
  rps: median(rs.map((r) => r.rps)),
  p50Ms: median(rs.map((r) => r.p50Ms)),
  p99Ms: median(rs.map((r) => r.p99Ms)),
  cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest)),
  non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
}));
process.stdout.write(`median of ${ROUNDS} round(s), ${SEC} s each, ${CONNECTIONS} connections:\n`);
for (const s of summary) {
  process.stdout.write(
    `${s.label.padEnd(10)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  ` +
      `cpu ${s.cpuUsPerRequest.toFixed(0)} µs/req\n`,
  );
}
const by = new Map(summary.map((s) => [s.label, s]));
for (const other of ['before', 'sdk', 'ours-x2']) {
  const a = by.get('ours');
  const b = by.get(other);
  if (a && b) {
    process.stdout.write(
      `ours / ${other}: ${(a.rps / b.rps).toFixed(2)}x req/s, ${(a.cpuUsPerRequest / b.cpuUsPerRequest).toFixed(2)}x CPU per request\n`,
    );
  }
}
for (const noop of ['noop', 'noop-before']) {
  const a = by.get(noop);
  const raw = by.get('raw');
  if (a && raw) {
    process.stdout.write(
      `emulator (${noop} − raw): ${(a.cpuUsPerRequest - raw.cpuUsPerRequest).toFixed(0)} µs CPU per request\n`,
    );
  }
}
if (process.env.BENCH_WARM_JSON) writeFileSync(process.env.BENCH_WARM_JSON, `${JSON.stringify(summary, null, 2)}\n`);
