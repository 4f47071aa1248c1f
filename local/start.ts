// `npm start`: the local stack. Builds the function bundles, starts an authorization server (Keycloak
// when a Java 21+ is found, else the embedded dev AS; none when AUTH_ISSUER points at one already),
// then the Function URL host on 127.0.0.1:$PORT, and Traefik in front only with --traefik or TRAEFIK=true.
// Every host name it prints is checked with the resolver Node clients use; one that does not resolve to
// loopback gets the /etc/hosts line that fixes it (local/host-names.ts).
//
// Fail fast, in this order, each step before anything slower:
//   1. every variable, the stack's (local/stack-config.ts) and the functions' (lib/config.ts), with the variable named;
//   2. the tools (tools/*.ts, loaded and regenerated into generated/tools.ts: scripts/generate.ts) and the scopes they
//      declare (AUTH_SCOPES_SUPPORTED must cover them);
//   3. the ports (PORT, AS_PORT, the Traefik ports): one that is taken names its variable;
//   4. the issuer: discovery, the exact issuer string, the JWKS and the tools' scopes in its scopes_supported
//      (local/issuer-check.ts), for an external AUTH_ISSUER before the build, for our own AS once it is up.
//      --degraded (or START_DEGRADED=true) starts anyway and says what is wrong in the banner.
// The AS it starts offers exactly the scopes the served tools declare (Keycloak: a realm generated from
// keycloak/base; the embedded AS: the same grant rule), so a tool with a new scope needs only its file.
//
// Local-stack variables: see local/stack-config.ts. TRAEFIK_BIN (path to a Traefik v3 binary; only where it is, never
// whether it runs), TRAEFIK_HOST (mcp.localhost|localhost|127.0.0.1: the name in the URLs behind Traefik; default the
// first that resolves to loopback here). FUNCTIONS serves a subset of template.yaml's functions (by logical id or
// bundle name): Lambda runs one function per process, and a subset gives a host process that looks like one.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { declaredScopes, type ScopeInfo, servedEntries, toolNeeding } from '../lib/tools/index.ts';
import { buildAll, ROOT } from '../scripts/build.ts';
import { loadCatalogue } from '../scripts/catalogue.ts';
import { generate } from '../scripts/generate.ts';
import type { WiredFacade } from './facade.ts';
import { startHost } from './host.ts';
import { checkHostNames, hostNameAdvice } from './host-names.ts';
import { checkIssuer } from './issuer-check.ts';
import { assertPortsFree, explainListenError, type PortUse } from './ports.ts';
import { loadStackConfig } from './stack-config.ts';
import { chooseMcpHost, startTraefik, traefikUrls } from './traefik.ts';

const { values: args } = parseArgs({
  options: {
    watch: { type: 'boolean', default: false },
    traefik: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    degraded: { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stderr.write(`[start] ${line}\n`);
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** The token command as this stack needs it: the defaults need no variables, other ports and URLs do. */
function tokenCommand(publicUrl: string, scopes: readonly string[]): string {
  const vars: string[] = [];
  if (process.env.AS_PORT && process.env.AS_PORT !== '8080') vars.push(`AS_PORT=${process.env.AS_PORT}`);
  if (publicUrl !== 'http://127.0.0.1:3000/mcp') vars.push(`MCP_PUBLIC_URL=${publicUrl}`);
  if (process.env.FACADE_UPSTREAM_ISSUER) vars.push('FACADE=true');
  return `${vars.length ? `${vars.join(' ')} ` : ''}npm run token -- --scope "${scopes.join(' ')}"`;
}

/** "dev / dev (mcp:tools mcp:admin), viewer / viewer (mcp:tools)": the grant rule, as the banner prints it. */
function devUsersLine(required: readonly string[], declared: readonly ScopeInfo[]): string {
  const all = [...new Set([...required, ...declared.map((s) => s.name)])];
  const viewer = [...new Set([...required, ...declared.filter((s) => !s.admin).map((s) => s.name)])];
  return `dev / dev (${all.join(' ')}), viewer / viewer (${viewer.join(' ')})`;
}

try {
  // 1. Every variable, before anything slow (no AS, no build, no port bound yet).
  const stack = loadStackConfig(process.env, { traefik: args.traefik, degraded: args.degraded }, ROOT);
  const { port, hostname, withTraefik, traefikPorts } = stack;
  for (const note of stack.notes) say(note);
  if (!withTraefik && process.env.TRAEFIK_BIN && process.env.TRAEFIK === undefined) {
    say('TRAEFIK_BIN is set; Traefik runs in front only with --traefik or TRAEFIK=true');
  }
  if (withTraefik && !process.env.TRAEFIK_BIN) {
    throw new Error('--traefik needs TRAEFIK_BIN=/path/to/traefik (a Traefik v3 binary; no package registry has one)');
  }

  // 2. The tools and their scopes: a tool that does not load, or a scope AUTH_SCOPES_SUPPORTED leaves out, stops here.
  const tools = args['no-build'] ? await loadCatalogue(ROOT) : (await generate({ root: ROOT })).catalogue;
  const manifest = { tools: tools.entries };
  const probeCfg = loadConfig(
    {
      ...process.env,
      AUTH_ISSUER: process.env.AUTH_ISSUER || 'http://127.0.0.1/realms/mcp',
      MCP_PUBLIC_URL: process.env.MCP_PUBLIC_URL || 'http://127.0.0.1:3000/mcp',
    },
    manifest,
  );
  const declared = declaredScopes(manifest, probeCfg.demoTools);
  const required = probeCfg.auth.requiredScopes;
  const neededScopes = [...new Set([...required, ...declared.map((s) => s.name)])];
  const neededBy = (scope: string) =>
    required.includes(scope) ? 'AUTH_REQUIRED_SCOPES' : `tool ${toolNeeding(manifest, probeCfg.demoTools, scope)}`;
  const served = servedEntries(manifest, probeCfg.demoTools);
  say(
    `tools: ${served.length} served (${served.filter((t) => !t.demo).length} from tools/, demo tools ${probeCfg.demoTools ? 'on' : 'off: DEMO_TOOLS=false'}); scopes ${neededScopes.join(' ')}`,
  );

  // 3. The ports this stack will bind, each with the variable that moves it.
  const ports: PortUse[] = [{ port, variable: 'PORT', what: 'the Function URL host', host: hostname }];
  if (!stack.externalIssuer) ports.push({ port: stack.asPort, variable: 'AS_PORT', what: 'the authorization server' });
  if (withTraefik) {
    ports.push(
      { port: traefikPorts.httpsPort!, variable: 'TRAEFIK_HTTPS_PORT', what: 'Traefik (https)' },
      { port: traefikPorts.httpPort!, variable: 'TRAEFIK_HTTP_PORT', what: 'Traefik (http)' },
      { port: traefikPorts.pingPort!, variable: 'TRAEFIK_PING_PORT', what: "Traefik's ping endpoint" },
    );
  }
  await assertPortsFree(ports);

  // 4. The issuer we will trust: checked before anything slow when it is external, after start-up when it is ours.
  const degradedLines: string[] = [];
  const issuerChecked = async (issuer: string) => {
    const check = await checkIssuer({
      issuer,
      jwksUrl: process.env.AUTH_JWKS_URL?.trim() || undefined,
      scopes: neededScopes,
      neededBy,
      timeoutMs: probeCfg.auth.jwksTimeoutMs,
    });
    for (const note of check.notes) say(`issuer: ${note}`);
    if (!check.problems.length) return;
    if (!stack.degraded) {
      throw new Error(
        `${check.problems.join('\n')}\n(--degraded or START_DEGRADED=true starts anyway; every call would then fail or lack scopes)`,
      );
    }
    for (const p of check.problems) say(`DEGRADED: ${p}`);
    degradedLines.push(...check.problems.map((p) => p.split('\n')[0]!));
  };
  if (process.env.AUTH_ISSUER && probeCfg.auth.enabled) await issuerChecked(process.env.AUTH_ISSUER);

  // The public MCP URL must be known before the AS (token audience) and the bundles (PRM) start.
  const explicitPublicUrl = Boolean(process.env.MCP_PUBLIC_URL);
  let mcpHost: string | undefined;
  if (withTraefik && !explicitPublicUrl) {
    const choice = await chooseMcpHost(process.env.TRAEFIK_HOST || undefined);
    for (const note of choice.notes) say(note);
    mcpHost = choice.host;
    process.env.MCP_PUBLIC_URL = traefikUrls({ ...traefikPorts, mcpHost }).mcp;
  }
  const setPublicUrl = (p: number) => {
    if (!process.env.MCP_PUBLIC_URL) process.env.MCP_PUBLIC_URL = `http://127.0.0.1:${p}/mcp`;
    const publicOrigin = new URL(process.env.MCP_PUBLIC_URL).origin;
    process.env.ALLOWED_ORIGINS ??= [publicOrigin, 'http://localhost:6274', 'http://127.0.0.1:6274'].join(',');
  };
  if (port !== 0 || process.env.MCP_PUBLIC_URL) setPublicUrl(port);

  let asKind = 'external';
  let facade: WiredFacade | undefined;
  if (probeCfg.auth.enabled && stack.facade) {
    // The registration façade (local/facade.ts): the functions trust it; it logs users in at the upstream.
    const { wireFacade } = await import('./facade.ts');
    facade = await wireFacade({ env: process.env, asPort: stack.asPort, scopes: { required, declared }, say });
    if (facade.stop) stops.push(facade.stop);
    asKind = facade.kind;
    // Our own upstream offers the MCP scopes by name; an external one may prefix them (FACADE_UPSTREAM_SCOPE_PREFIX).
    if (facade.stop) await issuerChecked(facade.upstreamIssuer);
  } else if (!probeCfg.auth.enabled) {
    say('AUTH_DISABLED=true: no authorization server, every caller is anonymous (never do this in a deployment)');
    asKind = 'none';
  } else if (!process.env.AUTH_ISSUER) {
    const { startAuthServer } = await import('./as.ts');
    const as = await startAuthServer({
      publicMcpUrl: process.env.MCP_PUBLIC_URL ?? `http://127.0.0.1:${port}/mcp`,
      port: stack.asPort,
      kind: stack.as,
      scopes: { required, declared },
      onProgress: say,
    });
    stops.push(as.stop);
    process.env.AUTH_ISSUER = as.issuer;
    asKind = as.kind;
    await issuerChecked(as.issuer);
  } else say(`using the authorization server at AUTH_ISSUER=${process.env.AUTH_ISSUER}`);

  if (!args['no-build']) {
    say('building function bundles');
    await buildAll({ generate: false });
  }

  // The key that seals input-required requestState: a fresh random one per `npm start` unless given
  // (two hosts that must accept each other's state get the same REQUEST_STATE_KEYS). Printed nowhere.
  process.env.REQUEST_STATE_KEYS ||= `dev:${randomBytes(32).toString('base64')}`;

  // With STORE=dynamodb (LocalStack, dynalite) the tables are created when missing.
  const probe = loadConfig({ AUTH_DISABLED: 'true', ...process.env });
  if (probe.store.kind === 'dynamodb') {
    const { ensureTables } = await import('../lib/store/index.ts');
    say(`ensuring DynamoDB tables at ${probe.store.dynamodbEndpoint ?? 'AWS'}`);
    await ensureTables(probe);
  }
  if (probe.audit.sink === 'dynamodb') {
    const { ensureAuditTable } = await import('../lib/audit/dynamodb.ts');
    await ensureAuditTable(probe);
  }

  const host = await startHost({
    root: ROOT,
    port,
    hostname,
    onListening: setPublicUrl,
    functions: stack.functions,
  }).catch((err: unknown) => {
    throw explainListenError(err, ports[0]!);
  });
  stops.push(host.close);
  if (args.watch) {
    say('watching for changes');
    await buildAll({
      generate: false,
      watch: true,
      onRebuild: (fn) => {
        say(`rebuilt ${fn}; reloading`);
        host.reload().catch((e) => say(`reload failed: ${(e as Error).message}`));
      },
    });
    const { watchPolicies } = await import('./policy-watch.ts');
    stops.push(watchPolicies(ROOT, say));
  }

  let publicUrl = process.env.MCP_PUBLIC_URL!;
  let caFile: string | undefined;
  if (withTraefik) {
    const issuer = process.env.AUTH_ISSUER ? new URL(process.env.AUTH_ISSUER) : undefined;
    const tr = await startTraefik({
      bin: process.env.TRAEFIK_BIN,
      ...traefikPorts,
      ...(mcpHost ? { mcpHost } : {}),
      hostPort: host.port,
      asPort:
        issuer?.hostname === '127.0.0.1' || issuer?.hostname === 'localhost' ? Number(issuer.port || 80) : undefined,
      onProgress: say,
    });
    stops.push(tr.stop);
    publicUrl = explicitPublicUrl ? publicUrl : tr.urls.mcp;
    caFile = tr.caFile;
    say(`Traefik is up; trust its dev CA with NODE_EXTRA_CA_CERTS=${caFile}`);
  }

  // Every name printed below must resolve for the clients that will use it (Node's resolver, not a browser's).
  const printedHosts = [publicUrl, host.url, process.env.AUTH_ISSUER]
    .filter((u): u is string => Boolean(u))
    .map((u) => new URL(u).hostname);
  const advice = hostNameAdvice(await checkHostNames(printedHosts));
  for (const line of advice) say(line);

  const origin = new URL(publicUrl).origin;
  const lines = [
    '',
    'mcp-lambda-stack local stack is up',
    `  MCP endpoint        ${publicUrl}`,
    ...host.functions.map(
      (f) =>
        `  ${f.logicalId.padEnd(19)} ${f.routes.map((r) => `${r.method} ${r.path}${r.prefix ? '*' : ''}`).join(', ')}`,
    ),
    `  Function URL host   ${host.url}`,
    `  PRM                 ${origin}/.well-known/oauth-protected-resource${new URL(publicUrl).pathname}`,
    `  Legacy SSE          ${origin}/sse`,
    ...(caFile
      ? [`  Dev CA (Traefik)    NODE_EXTRA_CA_CERTS=${caFile} for Node clients, curl --cacert ${caFile}`]
      : []),
    `  Authorization server ${process.env.AUTH_ISSUER ?? '(none)'} (${asKind})`,
    ...(facade?.lines ?? []),
    `  Dev users           ${devUsersLine(required, declared)}`,
    `  Access token        ${tokenCommand(publicUrl, neededScopes)}`,
    `  MCP Inspector       npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${publicUrl}`,
    facade
      ? '                      let it register at the façade (DCR), approve, then log in as dev / dev'
      : '                      client id mcp-inspector (pre-registered) or let it register (DCR); log in as dev / dev',
    `  Functions from      ${path.relative(process.cwd(), path.join(ROOT, 'template.yaml')) || 'template.yaml'}; bundles in dist/`,
    ...advice.map((line) => `  Host names          ${line}`),
    ...degradedLines.map((line) => `  DEGRADED            ${line}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await shutdown(1);
}
