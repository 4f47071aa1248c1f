// `npm start`: the local stack. Builds the function bundles, starts an authorization server (Keycloak
// when a Java 21+ is found, else the embedded dev AS; none when AUTH_ISSUER points at one already),
// then the Function URL host on 127.0.0.1:$PORT, and Traefik in front only with --traefik or TRAEFIK=true.
// Every host name it prints is checked with the resolver Node clients use; one that does not resolve to
// loopback gets the /etc/hosts line that fixes it (local/host-names.ts).
//
// Local-stack variables (parsed here; the functions' own configuration is lib/config.ts):
//   PORT (3000; 0 = any free port), HOST (127.0.0.1; 0.0.0.0 in a container), AS (auto|keycloak|embedded),
//   AS_PORT (8080), TRAEFIK (true|false: Traefik in front, like --traefik), TRAEFIK_BIN (path to a Traefik v3
//   binary; only where it is, never whether it runs), TRAEFIK_HOST (mcp.localhost|localhost|127.0.0.1: the name in
//   the URLs behind Traefik; default the first that resolves to loopback here), TRAEFIK_HTTPS_PORT (8443),
//   TRAEFIK_HTTP_PORT (8000), TRAEFIK_PING_PORT (8082),
//   FUNCTIONS (comma list of template.yaml functions to serve, by logical id or bundle name, e.g.
//   FUNCTIONS=McpFunction,PrmFunction; default all). Lambda runs one function per process: a subset
//   gives a host process that looks like one (memory, what is loaded); the other routes answer 404.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { buildAll, ROOT } from '../scripts/build.ts';
import { parseFunctionsVar, startHost } from './host.ts';
import { checkHostNames, hostNameAdvice } from './host-names.ts';
import { chooseMcpHost, startTraefik, traefikRequested, traefikUrls } from './traefik.ts';

const { values: args } = parseArgs({
  options: {
    watch: { type: 'boolean', default: false },
    traefik: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
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
function tokenCommand(publicUrl: string): string {
  const vars: string[] = [];
  if (process.env.AS_PORT && process.env.AS_PORT !== '8080') vars.push(`AS_PORT=${process.env.AS_PORT}`);
  if (publicUrl !== 'http://127.0.0.1:3000/mcp') vars.push(`MCP_PUBLIC_URL=${publicUrl}`);
  return `${vars.length ? `${vars.join(' ')} ` : ''}npm run token -- --scope "mcp:tools mcp:admin"`;
}

function portVar(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

try {
  const port = portVar('PORT', 3000);
  const hostname = process.env.HOST || '127.0.0.1';
  // The topology comes from --traefik or TRAEFIK only: a binary path in the environment never changes it.
  const withTraefik = traefikRequested(args.traefik, process.env.TRAEFIK);
  if (!withTraefik && process.env.TRAEFIK_BIN && process.env.TRAEFIK === undefined) {
    say('TRAEFIK_BIN is set; Traefik runs in front only with --traefik or TRAEFIK=true');
  }
  if (withTraefik && !process.env.TRAEFIK_BIN) {
    throw new Error('--traefik needs TRAEFIK_BIN=/path/to/traefik (a Traefik v3 binary; no package registry has one)');
  }
  const traefikPorts = withTraefik
    ? {
        httpsPort: portVar('TRAEFIK_HTTPS_PORT', 8443),
        httpPort: portVar('TRAEFIK_HTTP_PORT', 8000),
        pingPort: portVar('TRAEFIK_PING_PORT', 8082),
      }
    : {};

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
  if (process.env.AUTH_DISABLED === 'true') {
    say('AUTH_DISABLED=true: no authorization server, every caller is anonymous (never do this in a deployment)');
    asKind = 'none';
  } else if (!process.env.AUTH_ISSUER) {
    const { startAuthServer } = await import('./as.ts');
    const as = await startAuthServer({
      publicMcpUrl: process.env.MCP_PUBLIC_URL ?? `http://127.0.0.1:${port}/mcp`,
      port: portVar('AS_PORT', 8080),
      onProgress: say,
    });
    stops.push(as.stop);
    process.env.AUTH_ISSUER = as.issuer;
    asKind = as.kind;
  } else say(`using the authorization server at AUTH_ISSUER=${process.env.AUTH_ISSUER}`);

  if (!args['no-build']) {
    say('building function bundles');
    await buildAll();
  }

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
    functions: parseFunctionsVar(process.env.FUNCTIONS),
  });
  stops.push(host.close);
  if (args.watch) {
    say('watching for changes');
    await buildAll({
      watch: true,
      onRebuild: (fn) => {
        say(`rebuilt ${fn}; reloading`);
        host.reload().catch((e) => say(`reload failed: ${(e as Error).message}`));
      },
    });
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
    '  Dev users           dev / dev (mcp:tools mcp:admin), viewer / viewer (mcp:tools)',
    `  Access token        ${tokenCommand(publicUrl)}`,
    `  MCP Inspector       npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${publicUrl}`,
    '                      client id mcp-inspector (pre-registered) or let it register (DCR); log in as dev / dev',
    `  Functions from      ${path.relative(process.cwd(), path.join(ROOT, 'template.yaml')) || 'template.yaml'}; bundles in dist/`,
    ...advice.map((line) => `  Host names          ${line}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await shutdown(1);
}
