// `npm start` with the registration façade (FACADE=true, or FACADE_UPSTREAM_ISSUER=<issuer>): the functions trust
// the façade (AUTH_ISSUER = FACADE_ISSUER, default the public origin), and the façade logs users in at the upstream.
// Without FACADE_UPSTREAM_ISSUER the upstream is the embedded dev AS started with registration (DCR) OFF and the
// façade's one client (DEV_CLIENTS.facade) pre-registered with the redirect URI <façade issuer>/oauth/callback.
// Without FACADE_SIGNING_KEY a fresh EC P-256 key is made for this run (two hosts sharing one DynamoDB need the
// same key: set it). With STORE=dynamodb the façade's table is created when missing.
//
//   facadeRequested(env)                  -> boolean (pure)
//   wireFacade({ env, asPort, scopes, say }) -> { kind, upstreamIssuer, lines, stop? }   sets env for the bundles
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, type Env, loadConfig } from '../lib/config.ts';
import type { DevScopes } from './dev-as.ts';

/** Whether the stack runs the façade. Pure. */
export function facadeRequested(env: Env): boolean {
  const raw = env.FACADE?.trim().toLowerCase();
  if (raw && !['true', 'false', '1', '0'].includes(raw)) {
    throw new ConfigError('FACADE', `must be true or false, got "${env.FACADE}"`);
  }
  return raw === 'true' || raw === '1' || Boolean(env.FACADE_UPSTREAM_ISSUER?.trim());
}

export interface WiredFacade {
  kind: string;
  upstreamIssuer: string;
  /** Banner lines. */
  lines: string[];
  stop?: () => Promise<void>;
}

/** Starts the upstream when needed and sets the façade's and the functions' variables in `env`. */
export async function wireFacade(opts: {
  env: NodeJS.ProcessEnv;
  asPort: number;
  scopes: DevScopes;
  say: (line: string) => void;
}): Promise<WiredFacade> {
  const { env, say } = opts;
  if (!env.MCP_PUBLIC_URL)
    throw new ConfigError('PORT', 'must be a fixed port (or MCP_PUBLIC_URL set) with the façade');
  const issuer = (env.FACADE_ISSUER?.trim() || new URL(env.MCP_PUBLIC_URL).origin).replace(/\/+$/, '');
  env.FACADE_ISSUER = issuer;
  let stop: (() => Promise<void>) | undefined;
  let kind = `façade in front of ${env.FACADE_UPSTREAM_ISSUER ?? ''}`;
  if (!env.FACADE_UPSTREAM_ISSUER?.trim()) {
    const { DEV_CLIENTS, startDevAuthServer } = await import('./dev-as.ts');
    const dev = await startDevAuthServer({
      publicMcpUrl: env.MCP_PUBLIC_URL,
      port: opts.asPort,
      scopes: opts.scopes,
      registration: false,
      facadeRedirectUris: [`${issuer}/oauth/callback`],
    });
    stop = dev.stop;
    env.FACADE_UPSTREAM_ISSUER = dev.issuer;
    env.FACADE_UPSTREAM_CLIENT_ID = DEV_CLIENTS.facade.client_id;
    env.FACADE_UPSTREAM_CLIENT_SECRET = DEV_CLIENTS.facade.client_secret;
    kind = 'façade in front of the embedded dev AS, registration off there';
    say(`façade: embedded dev AS (DCR off) ready as the upstream, issuer ${dev.issuer}`);
  }
  if (!env.FACADE_SIGNING_KEY?.trim() && !env.FACADE_SECRET_ARN?.trim()) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    env.FACADE_SIGNING_KEY = JSON.stringify(privateKey.export({ format: 'jwk' }));
    say('façade: no FACADE_SIGNING_KEY, so a fresh key signs for this run (set one to share it between hosts)');
  }
  env.AUTH_ISSUER = issuer;
  const probe = loadConfig({ AUTH_DISABLED: 'true', ...env });
  if (probe.store.kind === 'dynamodb') {
    const [{ ensureTable }, { facadeTableSpec }] = await Promise.all([
      import('../lib/store/index.ts'),
      import('../lib/facade/state-dynamodb.ts'),
    ]);
    await ensureTable(probe.store, facadeTableSpec(env.FACADE_TABLE?.trim() || 'mcp-facade'));
  }
  return {
    kind,
    upstreamIssuer: env.FACADE_UPSTREAM_ISSUER,
    stop,
    lines: [
      `  Façade metadata     ${issuer}/.well-known/oauth-authorization-server`,
      `  Façade endpoints    ${issuer}/oauth/register, /oauth/authorize, /oauth/token, /oauth/jwks`,
      `  Façade upstream     ${env.FACADE_UPSTREAM_ISSUER} (client ${env.FACADE_UPSTREAM_CLIENT_ID ?? '?'}, callback ${issuer}/oauth/callback)`,
    ],
  };
}
