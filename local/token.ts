// `npm run token -- [--scope "mcp:tools mcp:admin"] [--user dev] [--password …] [--resource URL] [--issuer URL]`
// Prints ONLY an access token (stdout) for the dev user from whichever AS runs on the AS port; messages go to stderr.
//
// Without --scope it asks for every scope the running server advertises (its PRM scopes_supported, at the resource
// URL), so a token has the scopes of a tool added a minute ago; when the server does not answer, the scopes the
// committed catalogue (generated/tools.ts) declares. viewer gets what the AS grants it (no administrative scopes).
//
// The issuer is --issuer, else AUTH_ISSUER, else http://127.0.0.1:<AS_PORT or 8080>/realms/mcp; it is discovered
// through its metadata. Keycloak (password grant advertised): the password grant with the confidential test client.
// Otherwise (the embedded dev AS): authorization code + PKCE S256 + resource, logging in through its HTML form.
// With the registration façade (FACADE=true or FACADE_UPSTREAM_ISSUER, as for `npm start`) the issuer is the façade
// (FACADE_ISSUER, else the origin of the resource URL): a public client is registered there (DCR), and the code flow
// goes through the façade's consent page and the upstream's login form.

import { parseArgs } from 'node:util';
import { toolManifest } from '../generated/tool-manifest.ts';
import { resourceMetadataUrlFor } from '../lib/config.ts';
import { declaredScopes } from '../lib/tools/index.ts';
import {
  type AuthServerMetadata,
  authorizationCodeLogin,
  discoverAuthServer,
  OAuthError,
  passwordGrant,
  type TokenResponse,
} from './oauth-login.ts';

export const TEST_CLIENT = { clientId: 'mcp-test', clientSecret: 'mcp-test-secret' };
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

export interface TokenOptions {
  issuer: string;
  scope: string;
  username: string;
  password: string;
  resource: string;
  /** Register a public client by DCR first (the registration façade knows no pre-registered client). */
  register?: boolean;
}

async function registerPublicClient(metadata: AuthServerMetadata): Promise<string> {
  if (!metadata.registration_endpoint) throw new Error(`${metadata.issuer} offers no client registration`);
  const res = await fetch(metadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'npm run token',
      redirect_uris: [LOOPBACK_REDIRECT],
      token_endpoint_auth_method: 'none',
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { client_id?: string };
  if (res.status !== 201 || !body.client_id)
    throw new Error(`client registration at ${metadata.issuer} failed (${res.status})`);
  return body.client_id;
}

export async function fetchDevToken(opts: TokenOptions): Promise<TokenResponse> {
  let metadata: AuthServerMetadata;
  try {
    ({ metadata } = await discoverAuthServer(opts.issuer));
  } catch (err) {
    throw new Error(
      `No authorization server answers for ${opts.issuer}. Start the stack with \`npm start\` (or pass --issuer / set AS_PORT). ` +
        `Details: ${(err as Error).message}`,
    );
  }
  const common = {
    metadata,
    ...TEST_CLIENT,
    username: opts.username,
    password: opts.password,
    scope: opts.scope,
    resource: opts.resource,
  };
  if (opts.register) {
    const clientId = await registerPublicClient(metadata);
    return authorizationCodeLogin({ ...common, clientId, clientSecret: undefined, redirectUri: LOOPBACK_REDIRECT });
  }
  if (metadata.grant_types_supported?.includes('password')) {
    try {
      return await passwordGrant(common);
    } catch (err) {
      // unauthorized_client: the AS has the grant but not for this client; the code flow below still works.
      if (!(err instanceof OAuthError) || err.error !== 'unauthorized_client') throw err;
    }
  }
  return authorizationCodeLogin({ ...common, redirectUri: LOOPBACK_REDIRECT });
}

/** The scopes to ask for by default: the PRM's scopes_supported, else the committed catalogue's. */
export async function defaultScope(resource: string): Promise<string> {
  try {
    const res = await fetch(resourceMetadataUrlFor(resource), { signal: AbortSignal.timeout(3_000) });
    const doc = (await res.json()) as { scopes_supported?: unknown };
    const scopes = Array.isArray(doc.scopes_supported) ? doc.scopes_supported.filter((s) => typeof s === 'string') : [];
    if (res.ok && scopes.length) return scopes.join(' ');
  } catch {
    // no server (yet): fall back to the declarations
  }
  return ['mcp:tools', ...declaredScopes({ tools: toolManifest }, true).map((s) => s.name)].join(' ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string' },
      user: { type: 'string', default: 'dev' },
      password: { type: 'string' },
      resource: { type: 'string' },
      issuer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(
      'usage: npm run token -- [--scope "mcp:tools mcp:admin"] [--user dev|viewer] [--password P] [--resource URL] [--issuer URL]\n' +
        '  default scope: every scope the server at --resource (MCP_PUBLIC_URL) advertises\n',
    );
    return;
  }
  const env = process.env;
  const user = values.user ?? 'dev';
  const resource = values.resource ?? (env.MCP_PUBLIC_URL?.trim() || 'http://127.0.0.1:3000/mcp');
  const facade = env.FACADE?.trim().toLowerCase() === 'true' || Boolean(env.FACADE_UPSTREAM_ISSUER?.trim());
  const issuer =
    values.issuer ??
    (facade
      ? env.FACADE_ISSUER?.trim() || new URL(resource).origin
      : env.AUTH_ISSUER?.trim() || `http://127.0.0.1:${env.AS_PORT || 8080}/realms/mcp`);
  const token = await fetchDevToken({
    issuer,
    scope: values.scope ?? (await defaultScope(resource)),
    username: user,
    // The local realms use password = username (dev/dev, viewer/viewer).
    password: values.password ?? user,
    resource,
    register: facade,
  });
  process.stdout.write(`${token.access_token}\n`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`token: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
