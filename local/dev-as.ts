// The embedded dev authorization server: oidc-provider with the same realm semantics as keycloak/realm-mcp.json,
// so `npm start` works on a machine with no Java. Local use only; it is never bundled into the functions.
//
//   startDevAuthServer({ publicMcpUrl, port?, host? }) -> Promise<DevAuthServer>
//     { issuer, port, stop() }  issuer = http://<host>:<port>/realms/mcp
//   DEV_CLIENTS                 the pre-registered clients; the users and scopes are in ./dev-as/users.ts
//
// Semantics kept identical to the Keycloak realm:
// - issuer path /realms/mcp, discovery at <issuer>/.well-known/openid-configuration and at the RFC 8414 root form
//   /.well-known/oauth-authorization-server/realms/mcp (as Keycloak >= 26.4 does);
// - the scopes: mcp:tools plus every scope the served tools declare (opts.scopes; default the committed catalogue
//   with the demo tools); dev holds all, viewer all but the administrative ones (viewer's grant rejects those);
// - PKCE S256 required for every authorization request; anonymous DCR and client ID metadata documents
//   (registration: false turns both off, as in an IdP with registration locked down: the registration façade's
//   upstream); refresh tokens; a request without `scope` gets mcp:tools (withDefaultScope);
// - access tokens are RS256 JWTs whose aud is the RFC 8707 resource (default: the MCP public URL).
// Signing keys are generated at start and live only in memory.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { type DevScopes, type DevUser, defaultDevScopes, devUsers, findDevUser, mcpScopesOf } from './dev-as/users.ts';

export { type DevScopes, type DevUser, defaultDevScopes, devUsers, findDevUser } from './dev-as/users.ts';

export const REALM_PATH = '/realms/mcp';
export const DEV_CLIENTS = {
  /** Public client for MCP Inspector and other local tools. */
  inspector: { client_id: 'mcp-inspector' },
  /** Confidential client for tests and `npm run token` (same id/secret as in the Keycloak realm). */
  test: { client_id: 'mcp-test', client_secret: 'mcp-test-secret' },
  /** The registration façade's one upstream client (confidential); registered only with `facadeRedirectUris`. */
  facade: { client_id: 'mcp-facade', client_secret: 'mcp-facade-secret' },
} as const;

export interface DevAuthServerOptions {
  /** The MCP server's public URL: the default (and accepted) RFC 8707 resource and token audience. */
  publicMcpUrl: string;
  /** Extra resources accepted besides publicMcpUrl. */
  extraResources?: string[];
  /** 0 picks a free port. Default AS_PORT or 8080. */
  port?: number;
  host?: string;
  accessTokenTtlSec?: number;
  /** The scopes it offers and grants; default defaultDevScopes(). */
  scopes?: DevScopes;
  /**
   * Anonymous dynamic client registration and client ID metadata documents (default true); false: neither, as an
   * IdP that cannot register MCP clients (the registration façade's upstream).
   */
  registration?: boolean;
  /** Pre-registers DEV_CLIENTS.facade with these redirect URIs (the façade's <issuer>/oauth/callback). */
  facadeRedirectUris?: string[];
  /**
   * How the AS fetches client ID metadata documents (oidc-provider's `fetch`; default globalThis.fetch through its
   * SSRF-guarded dispatcher). Tests only: routes an https client_id to a loopback server.
   */
  fetch?: (url: URL, init: RequestInit) => Promise<Response>;
  /** How DEV_CLIENTS.facade authenticates at the token endpoint (default client_secret_basic). */
  facadeAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface DevAuthServer {
  issuer: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

const LOOPBACK_REDIRECTS = [
  'http://localhost:6274/oauth/callback',
  'http://localhost:6274/oauth/callback/debug',
  'http://127.0.0.1:6274/oauth/callback',
  'http://127.0.0.1:6274/oauth/callback/debug',
  'http://127.0.0.1/callback',
  'http://localhost/callback',
];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
input,button{display:block;width:100%;margin:.4rem 0;padding:.5rem;font-size:1rem}.err{color:#b00020}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function loginForm(action: string, clientLabel: string, scope: string, error?: string): string {
  return page(
    'Sign in to the MCP dev realm',
    `<p>Client <b>${esc(clientLabel)}</b> asks for <code>${esc(scope)}</code>.</p>
${error ? `<p class="err">${esc(error)}</p>` : ''}
<form method="post" action="${esc(action)}">
<label>Username <input name="username" autocomplete="username" autofocus required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<p>Dev users: dev / dev (all scopes), viewer / viewer (all but the administrative ones).</p>`,
  );
}

async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(html);
}

function buildConfiguration(
  opts: DevAuthServerOptions,
  interactionBase: string,
  users: readonly DevUser[],
  mcpScopes: readonly string[],
): Configuration {
  const resources = new Set([opts.publicMcpUrl, ...(opts.extraResources ?? [])]);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    use: 'sig',
    alg: 'RS256',
    kid: randomBytes(8).toString('hex'),
  };
  const ttl = opts.accessTokenTtlSec ?? 900;
  return {
    clients: [
      {
        client_id: DEV_CLIENTS.inspector.client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: LOOPBACK_REDIRECTS,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: DEV_CLIENTS.test.client_id,
        client_secret: DEV_CLIENTS.test.client_secret,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: LOOPBACK_REDIRECTS,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      ...(opts.facadeRedirectUris?.length
        ? [
            {
              client_id: DEV_CLIENTS.facade.client_id,
              client_secret: DEV_CLIENTS.facade.client_secret,
              token_endpoint_auth_method: opts.facadeAuthMethod ?? 'client_secret_basic',
              redirect_uris: opts.facadeRedirectUris,
              grant_types: ['authorization_code'],
              response_types: ['code'],
            },
          ]
        : []),
    ],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The MCP scopes are listed too, so that DCR requests naming them (as the SDK's and real clients' do) are
    // accepted; which of them a user actually gets is decided per user at login (finishLogin).
    scopes: ['openid', 'offline_access', 'profile', 'email', ...mcpScopes],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    async findAccount(_ctx, sub) {
      const user = users.find((u) => u.username === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, name: user.name, preferred_username: user.username, email: user.email, email_verified: true };
        },
      };
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: opts.registration ?? true },
      // CIMD (MCP 2025-11-25 client registration; draft-ietf-oauth-client-id-metadata-document-02, oidc-provider's
      // experimental implementation, acknowledged at that version): an https client_id URL is fetched (2.5 s
      // timeout, 5 KiB limit, no redirects, special-use IPs refused), its client_id must equal the URL, shared-secret
      // auth is refused; the document's redirect_uris bind the authorization request like a registered client's.
      clientIdMetadataDocument: { enabled: opts.registration ?? true, ack: 'draft-02' },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Like the Keycloak realm: without a resource parameter the token is still for the MCP server.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? opts.publicMcpUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (!resources.has(resourceIndicator)) throw new errors.InvalidTarget();
          return {
            scope: mcpScopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    // Keycloak issues refresh tokens for the code flow without offline_access; do the same.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Loopback-only dev server; browser-based clients (MCP Inspector) need CORS on the token endpoint.
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: ttl,
      AuthorizationCode: 60,
      Grant: 86_400,
      IdToken: 3600,
      Interaction: 1800,
      RefreshToken: 86_400,
      Session: 86_400,
    },
    interactions: {
      url: (_ctx, interaction) => `${interactionBase}/interaction/${interaction.uid}`,
    },
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Authorization error',
        `<pre>${esc(
          Object.entries(out)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n'),
        )}</pre>`,
      );
    },
  };
}

/** Login submission: authenticate, then grant the requested scopes the user holds and reject the rest. */
async function finishLogin(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  user: DevUser,
  defaultResource: string,
  mcpScopes: readonly string[],
  defaultScopes: readonly string[],
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const params = details.params as Record<string, string | undefined>;
  const clientId = String(params.client_id);
  const requested = String(params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: user.username, clientId }))
    : new provider.Grant({ accountId: user.username, clientId });
  const oidcScopes = requested.filter(
    (s) => ['openid', 'offline_access', 'profile', 'email'].includes(s) || user.scopes.includes(s),
  );
  if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
  const refused = requested.filter((s) => mcpScopes.includes(s) && !user.scopes.includes(s));
  if (refused.length) grant.rejectOIDCScope(refused.join(' '));
  const resourceScopes = requested.filter((s) => mcpScopes.includes(s));
  const resource = typeof params.resource === 'string' && params.resource ? params.resource : undefined;
  // Without a resource parameter the token is for the default resource (see defaultResource below).
  for (const indicator of [resource ?? defaultResource]) {
    const allowed = resourceScopes.filter((s) => user.scopes.includes(s));
    const denied = resourceScopes.filter((s) => !user.scopes.includes(s));
    // The default scope when none is requested, as in the realm (mcp:tools is a default client scope there).
    grant.addResourceScope(indicator, (allowed.length ? allowed : defaultScopes).join(' '));
    if (denied.length) grant.rejectResourceScope(indicator, denied.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.username }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * RFC 6749 §3.3: an authorization request without `scope` (or with an empty one) gets the realm's default, the
 * required scopes (`mcp:tools`, the default client scope of the Keycloak realm), instead of access_denied.
 * oidc-provider grants nothing beyond the request's scope parameter, so the default goes into the request
 * itself, before the provider sees it (and before originalUrl is taken, from which it derives its mount path).
 * An explicit scope is left as it is. Only GET: the browser redirect MCP clients use. Pure.
 */
export function withDefaultScope(url: string, defaultScope: string): string {
  const q = url.indexOf('?');
  if (url.slice(0, q === -1 ? undefined : q) !== `${REALM_PATH}/auth`) return url;
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  if (params.get('scope')) return url;
  params.set('scope', defaultScope);
  return `${REALM_PATH}/auth?${params}`;
}

export async function startDevAuthServer(opts: DevAuthServerOptions): Promise<DevAuthServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? Number(process.env.AS_PORT || 8080);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${actualPort}`;
  const issuer = `${origin}${REALM_PATH}`;
  const scopes = opts.scopes ?? defaultDevScopes();
  const users = devUsers(scopes);
  const mcpScopes = mcpScopesOf(scopes);
  const provider = new Provider(issuer, buildConfiguration(opts, REALM_PATH, users, mcpScopes));
  const login = { users, mcpScopes, defaultScopes: [...scopes.required] };
  const defaultScope = scopes.required.join(' ');
  const callback = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let url = req.url ?? '/';
    // RFC 8414 root form, which MCP clients try first (Keycloak serves it too): same document as OIDC discovery.
    if (/^\/\.well-known\/oauth-authorization-server\/realms\/mcp\/?(\?.*)?$/.test(url) && req.method === 'GET') {
      url = `${REALM_PATH}/.well-known/openid-configuration`;
    }
    if (req.method === 'GET') url = withDefaultScope(url, defaultScope);
    if (url !== REALM_PATH && !url.startsWith(`${REALM_PATH}/`) && !url.startsWith(`${REALM_PATH}?`)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found', issuer }));
      return;
    }
    const inner = url.slice(REALM_PATH.length) || '/';
    const m = /^\/interaction\/([\w-]+)(\/login)?(?:\?.*)?$/.exec(inner);
    if (m) {
      handleInteraction(
        provider,
        req,
        res,
        `${REALM_PATH}/interaction/${m[1]}`,
        Boolean(m[2]),
        opts.publicMcpUrl,
        login,
      ).catch((err) => {
        send(res, 400, page('Sign-in failed', `<p class="err">${esc((err as Error).message)}</p>`));
      });
      return;
    }
    // oidc-provider derives its mount path (and so every endpoint URL) from originalUrl minus url.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = inner;
    callback(req, res);
  });

  return {
    issuer,
    port: actualPort,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  isLogin: boolean,
  defaultResource: string,
  login: { users: readonly DevUser[]; mcpScopes: readonly string[]; defaultScopes: readonly string[] },
): Promise<void> {
  // interactionDetails reads the interaction cookie; give it the prefixed path it was set for.
  const details = await provider.interactionDetails(req, res);
  const params = details.params as Record<string, string | undefined>;
  const scope = String(params.scope ?? '');
  const clientId = String(params.client_id ?? '');
  if (!isLogin || req.method !== 'POST') {
    send(res, 200, loginForm(`${base}/login`, clientId, scope));
    return;
  }
  const form = await readForm(req);
  const user = findDevUser(login.users, form.get('username') ?? '', form.get('password') ?? '');
  if (!user) {
    send(res, 401, loginForm(`${base}/login`, clientId, scope, 'Invalid username or password.'));
    return;
  }
  await finishLogin(provider, req, res, user, defaultResource, login.mcpScopes, login.defaultScopes);
}
