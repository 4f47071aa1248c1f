// `npm start`: the local stack. Builds the function bundles, starts an authorization server (Keycloak
// when a Java 21+ is found, else the embedded dev AS; none when AUTH_ISSUER points at one already),
// then the Function URL host on 127.0.0.1:$PORT, and Traefik in front with --traefik or TRAEFIK_BIN.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildAll, ROOT } from '../scripts/build.ts';
import { startHost } from './host.ts';

const { values: args } = parseArgs({
  options: {
    watch: { type: 'boolean', default: false },
    traefik: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stderr.write(`[start] ${line}\n`);
const stops: Array<() => Promise<void>> = [];

async function shutdown(code: number): Promise<never> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  const defaultPublicUrl = !process.env.MCP_PUBLIC_URL;
  // With PORT=0 the public URL is known only once the host is listening, before the bundles load.
  const setPublicUrl = (p: number) => {
    if (defaultPublicUrl) process.env.MCP_PUBLIC_URL = `http://127.0.0.1:${p}/mcp`;
    const publicOrigin = new URL(process.env.MCP_PUBLIC_URL!).origin;
    process.env.ALLOWED_ORIGINS ??= [publicOrigin, 'http://localhost:6274', 'http://127.0.0.1:6274'].join(',');
  };
  if (port !== 0) setPublicUrl(port);

  let asKind = 'external';
  if (process.env.AUTH_DISABLED === 'true') {
    say('AUTH_DISABLED=true: no authorization server, every caller is anonymous (never do this in a deployment)');
    asKind = 'none';
  } else if (!process.env.AUTH_ISSUER) {
    const { startAuthServer } = await import('./as.ts');
    const as = await startAuthServer({
      publicMcpUrl: process.env.MCP_PUBLIC_URL ?? `http://127.0.0.1:${port}/mcp`,
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
  const host = await startHost({ root: ROOT, port, onListening: setPublicUrl });
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
  if (args.traefik || process.env.TRAEFIK_BIN) {
    const { startTraefik } = await import('./traefik.ts');
    const tr = await startTraefik({ bin: process.env.TRAEFIK_BIN, hostPort: host.port, onProgress: say });
    stops.push(tr.stop);
    publicUrl = tr.urls.mcp ?? publicUrl;
  }

  const lines = [
    '',
    'mcp-lambda-stack local stack is up',
    `  MCP endpoint        ${publicUrl}`,
    ...host.functions.map(
      (f) =>
        `  ${f.logicalId.padEnd(19)} ${f.routes.map((r) => `${r.method} ${r.path}${r.prefix ? '*' : ''}`).join(', ')}`,
    ),
    `  PRM                 ${new URL(publicUrl!).origin}/.well-known/oauth-protected-resource/mcp`,
    `  Legacy SSE          ${new URL(publicUrl!).origin}/sse`,
    `  Authorization server ${process.env.AUTH_ISSUER ?? '(none)'} (${asKind})`,
    '  Dev users           dev / dev (mcp:tools mcp:admin), viewer / viewer (mcp:tools)',
    '  Access token        npm run token -- --scope "mcp:tools mcp:admin"',
    `  MCP Inspector       npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${publicUrl}`,
    '                      (it discovers the AS from the PRM; log in as dev / dev)',
    `  Functions from      ${path.relative(process.cwd(), path.join(ROOT, 'template.yaml')) || 'template.yaml'}; bundles in dist/`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await shutdown(1);
}
