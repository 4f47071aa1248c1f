// `npm run conformance`: the official MCP conformance server suite (@modelcontextprotocol/conformance)
// against the local Function URL host, i.e. through the real Lambda adapter path of dist/mcp/index.mjs,
// with the conformance fixture pack on (CONFORMANCE_FIXTURES=true).
//   1. auth off: host with AUTH_DISABLED=true;
//   2. auth on:  a loopback test issuer (discovery + JWKS, RS256), the host verifying its tokens, and a
//      bearer proxy in front that adds a valid token to every request (the suite cannot send one).
// Both runs go side by side; then a per-scenario table, and a check against conformance/baseline.yml:
// exit 1 on any failure not in the baseline, or on a pass of a baselined scenario (stale baseline).
//
// Options: --no-build  --mode off|on|both  --suite all|active|pending (default all: active + pending)
//          --scenario <name>
//          --baseline <file>  --output <dir> (keep the suite's checks.json files)  --timeout <seconds>
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHostProcess } from '../tests/support/host.ts';
import { startTestIssuer, type TestIssuer } from '../tests/support/issuer.ts';
import { buildAll, ROOT } from './build.ts';
import { type BearerProxy, startBearerProxy } from './conformance/bearer-proxy.ts';
import {
  type Check,
  formatTable,
  judge,
  missingResult,
  parseBaseline,
  type Run,
  type ScenarioResult,
  scenarioOfResultDir,
  scenarioResult,
} from './conformance/verdict.ts';

const CLI = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    mode: { type: 'string', default: 'both' },
    suite: { type: 'string', default: 'all' },
    scenario: { type: 'string' },
    baseline: { type: 'string', default: path.join(ROOT, 'conformance/baseline.yml') },
    output: { type: 'string' },
    timeout: { type: 'string', default: '600' },
  },
});

const started = Date.now();
const say = (line: string) =>
  process.stdout.write(`[conformance +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
const cleanups: Array<() => Promise<void>> = [];
const children = new Set<ChildProcess>();

async function cleanup(): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  for (const stop of cleanups.reverse()) await stop().catch(() => {});
}

/** Runs the suite against `url`; resolves with one result per scenario it announced. */
function runSuite(mode: string, url: string, outDir: string): Promise<ScenarioResult[]> {
  const cliArgs = ['server', '--url', url, '-o', outDir];
  if (args.scenario) cliArgs.push('--scenario', args.scenario);
  else cliArgs.push('--suite', args.suite!);
  const child = spawn(process.execPath, [CLI, ...cliArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const announced: string[] = args.scenario ? [args.scenario] : [];
  let expectedCount: number | undefined = args.scenario ? 1 : undefined;
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const suite = /^Running \w+ suite \((\d+) scenarios\)/.exec(line);
      if (suite) expectedCount = Number(suite[1]);
      const scenario = /^=== Running scenario: (\S+) ===/.exec(line);
      if (scenario) {
        announced.push(scenario[1]!);
        say(`${mode}: ${scenario[1]} (${announced.length}/${expectedCount ?? '?'})`);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      const byScenario = new Map<string, ScenarioResult>();
      for (const dir of existsSync(outDir) ? readdirSync(outDir) : []) {
        const scenario = scenarioOfResultDir(dir);
        const file = path.join(outDir, dir, 'checks.json');
        if (scenario && existsSync(file))
          byScenario.set(scenario, scenarioResult(scenario, JSON.parse(readFileSync(file, 'utf8')) as Check[]));
      }
      const why = signal ? `suite killed (${signal}), run cut off` : `no result (suite exited ${code})`;
      const results = announced.map((s) => byScenario.get(s) ?? missingResult(s, why));
      if (expectedCount !== undefined && announced.length < expectedCount)
        results.push(missingResult(`(${expectedCount - announced.length} scenarios never ran)`, why));
      if (announced.length === 0) results.push(missingResult('(suite)', `${why}\n${stderr.slice(-2000)}`));
      resolve(results);
    });
  });
}

async function authOff(outDir: string): Promise<Run> {
  const host = await startHostProcess({
    AUTH_DISABLED: 'true',
    CONFORMANCE_FIXTURES: 'true',
    MCP_PUBLIC_URL: '',
    ALLOWED_ORIGINS: '',
    ALLOWED_HOSTS: '',
  });
  cleanups.push(host.stop);
  say(`auth off: host at ${host.mcpUrl} (AUTH_DISABLED=true)`);
  return { mode: 'auth off', results: await runSuite('auth off', host.mcpUrl, outDir) };
}

/** Proves the authenticated run really is authenticated: the host refuses a request without a token. */
async function assertAuthEnforced(hostUrl: string, proxy: BearerProxy): Promise<void> {
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'auth-check', version: '1' } },
  };
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  };
  const bare = await fetch(hostUrl, init);
  await bare.body?.cancel();
  if (bare.status !== 401) throw new Error(`auth on: the host answered ${bare.status} to a request without a token`);
  const viaProxy = await fetch(`${proxy.origin}/mcp`, init);
  await viaProxy.body?.cancel();
  if (viaProxy.status !== 200) throw new Error(`auth on: initialize through the bearer proxy got ${viaProxy.status}`);
  say('auth on: the host refuses a bare initialize (401) and accepts it with the proxy token (200)');
}

/** A free loopback port (the host prints only its public URL, which here is the proxy's). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function authOn(outDir: string): Promise<Run> {
  const issuer: TestIssuer = await startTestIssuer();
  cleanups.push(issuer.stop);
  let token = '';
  const proxy = await startBearerProxy({ token: () => token });
  cleanups.push(proxy.close);
  // The proxy is the front door, so its URL is the public resource URL and the token's audience.
  const publicUrl = `${proxy.origin}/mcp`;
  token = await issuer.token({
    audience: publicUrl,
    sub: 'conformance',
    scope: 'mcp:tools mcp:admin',
    clientId: 'conformance-suite',
    ttlSec: Number(args.timeout) + 120,
  });
  const port = await freePort();
  const host = await startHostProcess({
    PORT: String(port),
    AUTH_DISABLED: 'false',
    AUTH_ISSUER: issuer.issuer,
    AUTH_JWKS_URL: issuer.jwksUrl,
    CONFORMANCE_FIXTURES: 'true',
    MCP_PUBLIC_URL: publicUrl,
    ALLOWED_ORIGINS: proxy.origin,
    ALLOWED_HOSTS: '',
  });
  cleanups.push(host.stop);
  const hostUrl = `http://127.0.0.1:${port}/mcp`;
  proxy.setUpstream(new URL(hostUrl).origin);
  say(`auth on: issuer ${issuer.issuer}, host ${hostUrl}, bearer proxy ${publicUrl}`);
  await assertAuthEnforced(hostUrl, proxy);
  return { mode: 'auth on', results: await runSuite('auth on', publicUrl, outDir) };
}

async function main(): Promise<number> {
  const modes = args.mode === 'both' ? ['off', 'on'] : [args.mode!];
  if (!modes.every((m) => m === 'off' || m === 'on')) throw new Error(`--mode must be off, on or both`);
  if (!existsSync(CLI)) throw new Error('@modelcontextprotocol/conformance is not installed (npm install)');
  const baseline = parseBaseline(readFileSync(args.baseline!, 'utf8'));
  const outRoot = args.output ? path.resolve(args.output) : mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
  if (!args.output) cleanups.unshift(async () => rmSync(outRoot, { recursive: true, force: true }));

  if (!args['no-build']) {
    say('building function bundles');
    await buildAll();
  }
  const runs = await Promise.all(
    modes.map((m) => (m === 'off' ? authOff(path.join(outRoot, 'auth-off')) : authOn(path.join(outRoot, 'auth-on')))),
  );

  process.stdout.write(`\n${formatTable(runs, baseline)}\n\n`);
  for (const run of runs)
    for (const r of run.results)
      if (!r.pass) for (const p of r.problems) process.stdout.write(`  ${run.mode} / ${r.scenario}: ${p}\n`);

  const verdict = judge(runs, baseline);
  for (const key of verdict.expectedFailures) {
    const scenario = key.slice(key.indexOf('/') + 1);
    process.stdout.write(`expected failure ${key}: ${baseline.get(scenario)}\n`);
  }
  for (const key of verdict.unexpectedFailures) process.stdout.write(`UNEXPECTED FAILURE ${key}\n`);
  for (const key of verdict.unexpectedPasses)
    process.stdout.write(`UNEXPECTED PASS ${key}: remove it from ${path.relative(ROOT, args.baseline!)}\n`);
  // On a full active run every baseline entry must name a scenario that ran (no dead entries).
  const fullRun = !args.scenario && (args.suite === 'all' || args.suite === 'active');
  for (const s of verdict.unknownEntries)
    process.stdout.write(`${fullRun ? 'UNKNOWN' : 'note:'} baseline entry ${s} names no scenario that ran\n`);
  const ok = verdict.ok && !(fullRun && verdict.unknownEntries.length > 0);
  if (args.output) say(`checks.json files kept in ${outRoot}`);
  say(ok ? 'conformance OK' : 'conformance FAILED');
  return ok ? 0 : 1;
}

const deadline = setTimeout(() => {
  say(`timed out after ${args.timeout}s`);
  void cleanup().then(() => process.exit(1));
}, Number(args.timeout) * 1000);
deadline.unref();
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const code = await main();
  await cleanup();
  process.exit(code);
} catch (err) {
  say(`error: ${(err as Error).message}`);
  await cleanup();
  process.exit(1);
}
