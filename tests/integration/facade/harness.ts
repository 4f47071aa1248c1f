// A façade in front of the embedded dev AS with registration (DCR) OFF, both on real loopback sockets: the app is
// lib/apps/facade.ts served by tests/support/web-server.ts, the upstream is local/dev-as.ts. Helpers for the
// client's side of the flow (DCR, authorization URL, the scripted browser, the token request).
import { generateKeyPairSync } from 'node:crypto';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { createFacadeApp, type FacadeOverrides } from '../../../lib/apps/facade.ts';
import { loadConfig } from '../../../lib/config.ts';
import { loadFacadeConfig } from '../../../lib/facade/config.ts';
import {
  DEV_CLIENTS,
  type DevAuthServer,
  type DevAuthServerOptions,
  startDevAuthServer,
} from '../../../local/dev-as.ts';
import { driveAuthorization, pkcePair } from '../../../local/oauth-login.ts';
import { startWebServer, type WebServer } from '../../support/web-server.ts';

export interface Facade {
  web: WebServer;
  upstream: DevAuthServer;
  issuer: string;
  mcpUrl: string;
  events: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'facade-test-key' });
}

/** Starts the upstream (DCR off) and the façade; `env` adds façade variables (FACADE_AUTO_CONSENT...). */
export async function startFacade(
  env: Record<string, string> = {},
  overrides: FacadeOverrides = {},
  upstreamOptions: Partial<DevAuthServerOptions> = {},
): Promise<Facade> {
  const web = await startWebServer();
  const issuer = web.origin;
  const mcpUrl = `${issuer}/mcp`;
  const upstream = await startDevAuthServer({
    publicMcpUrl: mcpUrl,
    port: 0,
    registration: false,
    facadeRedirectUris: [`${issuer}/oauth/callback`],
    ...upstreamOptions,
  });
  const all = {
    MCP_PUBLIC_URL: mcpUrl,
    AUTH_ISSUER: issuer,
    DEMO_TOOLS: 'true',
    FACADE_UPSTREAM_ISSUER: upstream.issuer,
    FACADE_UPSTREAM_CLIENT_ID: DEV_CLIENTS.facade.client_id,
    FACADE_UPSTREAM_CLIENT_SECRET: DEV_CLIENTS.facade.client_secret,
    FACADE_SIGNING_KEY: newSigningKey(),
    ...env,
  };
  const cfg = loadConfig(all, { tools: toolManifest });
  const events: Array<Record<string, unknown>> = [];
  web.setApp(createFacadeApp(cfg, loadFacadeConfig(all, cfg), { log: (e) => events.push(e), ...overrides }));
  return {
    web,
    upstream,
    issuer,
    mcpUrl,
    events,
    stop: async () => {
      await web.close();
      await upstream.stop();
    },
  };
}

export const REDIRECT = 'http://127.0.0.1:9999/callback';

export async function register(f: Facade, body: unknown): Promise<Response> {
  return fetch(`${f.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function registerClient(f: Facade, redirectUris = [REDIRECT]): Promise<string> {
  const res = await register(f, {
    client_name: 'hostile-suite',
    redirect_uris: redirectUris,
    token_endpoint_auth_method: 'none',
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** An authorization URL; `params` override or (with undefined) drop the defaults. */
export function authorizeUrl(
  f: Facade,
  clientId: string,
  challenge: string,
  params: Record<string, string | undefined> = {},
): string {
  const u = new URL(`${f.issuer}/oauth/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: 'mcp:tools mcp:admin',
    state: 'client-state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: f.mcpUrl,
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

/** The whole browser leg (consent, upstream login) for `user`; returns the redirect's query and the verifier. */
export async function login(
  f: Facade,
  clientId: string,
  user = 'dev',
  params: Record<string, string | undefined> = {},
): Promise<{ back: URLSearchParams; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const back = await driveAuthorization({
    authorizationUrl: authorizeUrl(f, clientId, challenge, params),
    redirectUri: params.redirect_uri ?? REDIRECT,
    username: user,
    password: user,
  });
  return { back, verifier };
}

export function token(
  f: Facade,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${f.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
}

export function codeParams(clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) {
  return {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: clientId,
    code_verifier: verifier,
    ...extra,
  };
}
