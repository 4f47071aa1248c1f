// The warm phase alone, for iterating on the hot path: builds the function bundles into
// bench/tmp/bundles (as bench/bundles.ts does), starts the test issuer, the local host and the SDK
// reference, and loads each in turn with the same authenticated `tools/call echo` as `npm run bench`.
//
//   node bench/warm.ts                 ours and the SDK reference, BENCH_WARM_SEC (default 5) each
//   BENCH_TARGETS=ours node bench/warm.ts         only ours (comma list of ours, sdk)
//   BENCH_HOST_ARGS="--cpu-prof --cpu-prof-dir=bench/tmp/prof" node bench/warm.ts   profile the host
//
// Prints one line per target and the ours / SDK ratio; the figures that count are `npm run bench`'s.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as esbuild from 'esbuild';
import { loadTemplate } from '../local/template.ts';
import { esbuildOptions } from '../scripts/build.ts';
import { startTestIssuer } from '../tests/support/issuer.ts';
import { OUT, ROOT } from './bundles.ts';
import { startBenchHost } from './host.ts';
import { mcpToolCall, rssKb, runLoad } from './load.ts';

const SEC = Number(process.env.BENCH_WARM_SEC ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = (process.env.BENCH_TARGETS ?? 'ours,sdk').split(',');

for (const fn of loadTemplate(path.join(ROOT, 'template.yaml'))) {
  const dir = path.join(OUT, fn.name);
  rmSync(dir, { recursive: true, force: true });
  // BENCH_MINIFY=false keeps names readable in a profile (the figures that count are minified).
  const minify = process.env.BENCH_MINIFY !== 'false';
  await esbuild.build({ ...esbuildOptions(fn), outdir: dir, ...(minify ? {} : { minify: false }) });
}

const issuer = await startTestIssuer();
const echo = mcpToolCall('echo', { text: 'hello bench' });
const rows: Record<string, number> = {};

async function load(label: string, url: string, pid: number | undefined, headers: Record<string, string>) {
  await sleep(500);
  const idle = rssKb(pid);
  await runLoad({ url, headers, body: echo.body, connections: CONNECTIONS, durationSec: 2 });
  const r = await runLoad({ url, headers, body: echo.body, connections: CONNECTIONS, durationSec: SEC, pid });
  rows[label] = r.rps;
  process.stdout.write(
    `${label.padEnd(6)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ` +
      `non-2xx ${r.non2xx}  idle ${(idle / 1024).toFixed(1)} MB  loaded ${(r.peakRssKb / 1024).toFixed(1)} MB\n`,
  );
}

if (TARGETS.includes('ours')) {
  const hostArgs = process.env.BENCH_HOST_ARGS?.split(' ').filter(Boolean) ?? [];
  const host = await startBenchHost({ AUTH_ISSUER: issuer.issuer, AUTH_JWKS_URL: issuer.jwksUrl }, hostArgs);
  try {
    const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools', ttlSec: 3600 });
    await load('ours', host.mcpUrl, host.pid, { ...echo.headers, authorization: `Bearer ${token}` });
  } finally {
    await host.stop();
  }
}
if (TARGETS.includes('sdk')) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/reference/servers.ts'), 'sdk'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) => {
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(m[1]!);
    });
  });
  try {
    await load('sdk', `http://127.0.0.1:${port}/mcp`, child.pid, echo.headers);
  } finally {
    child.kill('SIGTERM');
  }
}
await issuer.stop();
if (rows.ours && rows.sdk) process.stdout.write(`ours / sdk: ${(rows.ours / rows.sdk).toFixed(2)}x\n`);
