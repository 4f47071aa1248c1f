// `npm run conformance`: the official MCP conformance suites against the local Function URL host, i.e.
// through the real Lambda adapter path of dist/mcp/index.mjs, with the fixture pack on (CONFORMANCE_FIXTURES=true),
// and the authorization-server suite against both local authorization servers. The runs:
//   0.1.16 auth off   @modelcontextprotocol/conformance 0.1.16 (the 2025 suite), host with AUTH_DISABLED=true
//   0.1.16 auth on    the same suite with auth on: a loopback test issuer (discovery + JWKS, RS256), the host
//                     verifying its tokens, and a bearer proxy in front that adds a valid token to every request
//   2026-07-28        0.2.0-alpha.12 (`conformance-next`), `server --requirements 2026-07-28`, auth on as above;
//                     the set runs the pending scenarios (json-schema-2020-12, http-header-validation,
//                     http-custom-header-server-validation) and the tasks extension too, unscored by the suite
//   2025-11-25        0.2.0-alpha.12, `server --requirements 2025-11-25`, auth on
//   authz embedded    0.2.0-alpha.12, `authorization` against the embedded dev AS (local/dev-as.ts)
//   authz keycloak    the same against Keycloak (local/keycloak.ts; needs Java 21+, found at run time: without
//                     one the run is reported as skipped)
// The runs go side by side (each server run has its own host). Then one table per baseline and a check against
// it: exit 1 on any failure not in the baseline, or on a pass of a baselined scenario (stale baseline).
//
// Options: --no-build  --runs <id,...> (default all: 0.1.16-off,0.1.16-on,2026-07-28,2025-11-25,authz-embedded,
//          authz-keycloak)  --mode off|on|both (the 0.1.16 runs; default both)
//          --suite all|active|pending (0.1.16 only; default all)  --scenario <name> (server runs)
//          --output <dir> (keep the suites' checks.json files)  --timeout <seconds>
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findJava } from '../local/java.ts';
import { startKeycloak } from '../local/keycloak.ts';
import { startHostProcess } from '../tests/support/host.ts';
import { startTestIssuer, type TestIssuer } from '../tests/support/issuer.ts';
import { buildAll, ROOT } from './build.ts';
import { runAuthorization } from './conformance/authorization.ts';
import { type BearerProxy, startBearerProxy } from './conformance/bearer-proxy.ts';
import { runCli } from './conformance/suite.ts';
import {
  formatTable,
  judge,
  missingResult,
  parseBaseline,
  type Run,
  type ScenarioResult,
} from './conformance/verdict.ts';

const CLI = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const NEXT_CLI = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance-next/dist/index.js');
const ALL_RUNS = ['0.1.16-off', '0.1.16-on', '2026-07-28', '2025-11-25', 'authz-embedded', 'authz-keycloak'];
/** Scenarios still pending in 0.2.0-alpha.12 that the 2026-07-28 run must include (checked on a full run). */
const PENDING = ['json-schema-2020-12', 'http-header-validation', 'http-custom-header-server-validation'];
/** The MCP server the authorization runs ask tokens for (both local ASes accept it as an RFC 8707 resource). */
const AUTHZ_RESOURCE = 'http://127.0.0.1:3000/mcp';

const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    runs: { type: 'string', default: ALL_RUNS.join(',') },
    mode: { type: 'string', default: 'both' },
    suite: { type: 'string', default: 'all' },
    scenario: { type: 'string' },
    output: { type: 'string' },
    timeout: { type: 'string', default: '900' },
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

/** Runs a server suite against `url`; one result per scenario it announced. */
function runServerSuite(label: string, cli: string, suiteArgs: string[], url: string, outDir: string) {
  const scenario = args.scenario ? ['--scenario', args.scenario] : suiteArgs;
  return runCli({
    cli,
    args: ['server', '--url', url, ...scenario],
    outDir,
    label,
    say,
    children,
    cwd: ROOT,
    expect: args.scenario ? [args.scenario] : undefined,
  });
}

async function authOff(outDir: string): Promise<ScenarioResult[]> {
  const host = await startHostProcess({
    AUTH_DISABLED: 'true',
    CONFORMANCE_FIXTURES: 'true',
    MCP_PUBLIC_URL: '',
    ALLOWED_ORIGINS: '',
    ALLOWED_HOSTS: '',
  });
  cleanups.push(host.stop);
  say(`0.1.16 auth off: host at ${host.mcpUrl} (AUTH_DISABLED=true)`);
  return runServerSuite('0.1.16 auth off', CLI, ['--suite', args.suite!], host.mcpUrl, outDir);
}

/** Proves an authenticated run really is authenticated: the host refuses a request without a token. */
async function assertAuthEnforced(label: string, hostUrl: string, proxy: BearerProxy): Promise<void> {
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
  if (bare.status !== 401) throw new Error(`${label}: the host answered ${bare.status} to a request without a token`);
  const viaProxy = await fetch(`${proxy.origin}/mcp`, init);
  await viaProxy.body?.cancel();
  if (viaProxy.status !== 200) throw new Error(`${label}: initialize through the bearer proxy got ${viaProxy.status}`);
  say(`${label}: the host refuses a bare initialize (401) and accepts it with the proxy token (200)`);
}

/** A free loopback port (the host prints only its public URL, which here is the proxy's). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A host with auth on behind its own issuer and bearer proxy; resolves with the proxy's (public) MCP URL. */
async function authOnHost(label: string): Promise<string> {
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
  say(`${label}: issuer ${issuer.issuer}, host ${hostUrl}, bearer proxy ${publicUrl}`);
  await assertAuthEnforced(label, hostUrl, proxy);
  return publicUrl;
}

async function authOn(outDir: string): Promise<ScenarioResult[]> {
  const url = await authOnHost('0.1.16 auth on');
  return runServerSuite('0.1.16 auth on', CLI, ['--suite', args.suite!], url, outDir);
}

async function requirements(revision: string, outDir: string): Promise<ScenarioResult[]> {
  const url = await authOnHost(revision);
  const results = await runServerSuite(revision, NEXT_CLI, ['--requirements', revision], url, outDir);
  if (revision === '2026-07-28' && !args.scenario)
    for (const s of PENDING)
      if (!results.some((r) => r.scenario === s)) results.push(missingResult(s, 'the requirement set did not run it'));
  return results;
}

async function authzEmbedded(outDir: string): Promise<ScenarioResult[]> {
  const { startDevAuthServer } = await import('../local/dev-as.ts');
  const as = await startDevAuthServer({ publicMcpUrl: AUTHZ_RESOURCE, port: 0, host: '127.0.0.1' });
  cleanups.push(as.stop);
  say(`authz embedded: dev AS at ${as.issuer}`);
  return runAuthorization({
    cli: NEXT_CLI,
    cwd: ROOT,
    label: 'authz embedded',
    issuer: as.issuer,
    clientId: 'mcp-inspector',
    resource: AUTHZ_RESOURCE,
    username: 'dev',
    password: 'dev',
    outDir,
    say,
    children,
  });
}

async function authzKeycloak(outDir: string): Promise<ScenarioResult[] | 'skipped'> {
  const java = await findJava({ minMajor: 21 });
  if (!java) {
    say('authz keycloak: SKIPPED, no Java 21+ found (JAVA_HOME, update-alternatives, /usr/lib/jvm, /opt, PATH)');
    return 'skipped';
  }
  const [port, managementPort] = [await freePort(), await freePort()];
  say(`authz keycloak: starting Keycloak with Java ${java.major} (first start unpacks the dist)`);
  const kc = await startKeycloak({
    publicMcpUrl: AUTHZ_RESOURCE,
    port,
    managementPort,
    java,
    dbUrl: `jdbc:h2:mem:kc-conformance-${port};NON_KEYWORDS=VALUE;DB_CLOSE_DELAY=-1`,
    onProgress: (line) => say(`authz keycloak: ${line}`),
  });
  cleanups.push(kc.stop);
  say(`authz keycloak: Keycloak at ${kc.issuer}`);
  return runAuthorization({
    cli: NEXT_CLI,
    cwd: ROOT,
    label: 'authz keycloak',
    issuer: kc.issuer,
    clientId: 'mcp-inspector',
    resource: AUTHZ_RESOURCE,
    username: 'dev',
    password: 'dev',
    outDir,
    say,
    children,
  });
}

interface RunSpec {
  id: string;
  /** Column title. */
  mode: string;
  /** Baseline file and the section of it this run is judged against. */
  baseline: string;
  section: string;
  start(outDir: string): Promise<ScenarioResult[] | 'skipped'>;
}

const SPECS: RunSpec[] = [
  { id: '0.1.16-off', mode: '0.1.16 auth off', baseline: 'baseline.yml', section: 'server', start: authOff },
  { id: '0.1.16-on', mode: '0.1.16 auth on', baseline: 'baseline.yml', section: 'server', start: authOn },
  {
    id: '2026-07-28',
    mode: '2026-07-28',
    baseline: 'baseline-2026-07-28.yml',
    section: 'server',
    start: (o) => requirements('2026-07-28', o),
  },
  {
    id: '2025-11-25',
    mode: '2025-11-25',
    baseline: 'baseline-2025-11-25.yml',
    section: 'server',
    start: (o) => requirements('2025-11-25', o),
  },
  {
    id: 'authz-embedded',
    mode: 'authz embedded',
    baseline: 'baseline-authorization.yml',
    section: 'embedded',
    start: authzEmbedded,
  },
  {
    id: 'authz-keycloak',
    mode: 'authz keycloak',
    baseline: 'baseline-authorization.yml',
    section: 'keycloak',
    start: authzKeycloak,
  },
];

function selectedSpecs(): RunSpec[] {
  const wanted = args.runs!.split(',').map((s) => s.trim());
  for (const w of wanted)
    if (!ALL_RUNS.includes(w)) throw new Error(`--runs: unknown run ${w} (${ALL_RUNS.join(', ')})`);
  if (!['off', 'on', 'both'].includes(args.mode!)) throw new Error('--mode must be off, on or both');
  return SPECS.filter(
    (s) =>
      wanted.includes(s.id) &&
      !(s.id === '0.1.16-off' && args.mode === 'on') &&
      !(s.id === '0.1.16-on' && args.mode === 'off'),
  );
}

async function main(): Promise<number> {
  const specs = selectedSpecs();
  for (const cli of [CLI, NEXT_CLI])
    if (!existsSync(cli)) throw new Error(`${path.relative(ROOT, cli)} is missing (npm install)`);
  const baselineText = (file: string) => readFileSync(path.join(ROOT, 'conformance', file), 'utf8');
  const outRoot = args.output ? path.resolve(args.output) : mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
  if (!args.output) cleanups.unshift(async () => rmSync(outRoot, { recursive: true, force: true }));

  if (!args['no-build'] && specs.some((s) => !s.id.startsWith('authz'))) {
    say('building function bundles');
    await buildAll();
  }
  const settled = await Promise.all(
    specs.map(async (spec) => {
      const t0 = Date.now();
      const results = await spec
        .start(path.join(outRoot, spec.id))
        .catch((err: Error) => [missingResult('(run)', `${spec.mode} could not start: ${err.message}`)]);
      say(`${spec.mode}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return { spec, results };
    }),
  );

  let ok = true;
  const fullRun = !args.scenario && args.suite === 'all';
  // One table and one verdict per baseline section (the two 0.1.16 runs share theirs).
  const groups = new Map<string, { specs: RunSpec[]; runs: Run[] }>();
  for (const { spec, results } of settled) {
    const key = `${spec.baseline}#${spec.section}`;
    const group = groups.get(key) ?? { specs: [], runs: [] };
    groups.set(key, group);
    if (results === 'skipped') continue;
    group.specs.push(spec);
    group.runs.push({ mode: spec.mode, results });
  }
  for (const [key, { runs }] of groups) {
    if (runs.length === 0) continue;
    const [file, section] = key.split('#') as [string, string];
    const baseline = parseBaseline(baselineText(file), section);
    process.stdout.write(`\n${formatTable(runs, baseline)}\n\n`);
    for (const run of runs)
      for (const r of run.results)
        if (!r.pass) for (const p of r.problems) process.stdout.write(`  ${run.mode} / ${r.scenario}: ${p}\n`);
    const verdict = judge(runs, baseline);
    for (const k of verdict.expectedFailures) {
      const scenario = k.slice(k.indexOf('/') + 1);
      process.stdout.write(`expected failure ${k}: ${baseline.get(scenario)}\n`);
    }
    for (const k of verdict.unexpectedFailures) process.stdout.write(`UNEXPECTED FAILURE ${k}\n`);
    for (const k of verdict.unexpectedPasses)
      process.stdout.write(`UNEXPECTED PASS ${k}: remove it from conformance/${file} (${section})\n`);
    // On a full run every baseline entry must name a scenario that ran (no dead entries).
    for (const s of verdict.unknownEntries)
      process.stdout.write(
        `${fullRun ? 'UNKNOWN' : 'note:'} conformance/${file} (${section}) entry ${s} names no scenario that ran\n`,
      );
    ok &&= verdict.ok && !(fullRun && verdict.unknownEntries.length > 0);
  }
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
