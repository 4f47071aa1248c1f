// The seed's login flow (issue 5, part 4) as one shared suite, run against the real Keycloak and the embedded dev AS.
// Each test file starts ONE authorization server and ONE host process and hands them to `defineLoginFlow`.
//
//   freePort()                                   a port that was free a moment ago
//   startHostFor(issuer, port)                   the local Function URL host with AUTH_ISSUER / MCP_PUBLIC_URL
//   readChallenge(res)                           the auth-params of a Bearer WWW-Authenticate header
//   McpSession.open(mcpUrl, token)               a raw 2025-era session (initialize + initialized) over fetch
//   driveLogin(url, redirectUri, user, pass)     follows an authorization URL through the HTML login/consent
//                                                pages with plain HTTP, returns the redirect's query (code, state, iss)
//   ScriptedOAuthProvider                        the SDK's OAuthClientProvider whose "browser" is driveLogin
//   defineLoginFlow(options)                     the 8 steps + the SDK's own OAuth client, as vitest tests
//
// The AS's audience is fixed when it starts, so the host's port is chosen first and both get
// MCP_PUBLIC_URL=http://127.0.0.1:<port>/mcp. Tokens never reach a log or an assertion message: the suite's logs
// are scanned for JWT-shaped strings, so comparisons are made on claims (jti, sub), never on token strings.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import {
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
  type StoredOAuthClientInformation,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizationServerMetadataUrls as discoveryUrls } from '../../../lib/auth/discovery.ts';
import {
  type AuthServerMetadata,
  authorizationCodeLogin,
  decodeJwtPayload,
  discoverAuthServer,
  driveAuthorization,
  refreshGrant,
  type TokenResponse,
} from '../../../local/oauth-login.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function mcpUrlFor(port: number): string {
  return `http://127.0.0.1:${port}/mcp`;
}

export function startHostFor(issuer: string, port: number): Promise<HostProcess> {
  return startHostProcess({ PORT: String(port), MCP_PUBLIC_URL: mcpUrlFor(port), AUTH_ISSUER: issuer });
}

/** Auth-params of a `Bearer k="v", k2=v2` challenge (quoted or token values). */
export function readChallenge(res: Response): Record<string, string> {
  const header = res.headers.get('www-authenticate') ?? '';
  expect(header).toMatch(/^Bearer\b/);
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/([a-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) {
    params[m[1]!] = m[2] ?? m[3] ?? '';
  }
  return params;
}

/** The public client both realms pre-register for MCP Inspector, with one of its loopback redirect URIs. */
export const INSPECTOR = { clientId: 'mcp-inspector', redirectUri: 'http://127.0.0.1:6274/oauth/callback' };

const MCP_HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/** The JSON-RPC messages of a JSON or SSE response body. */
export async function rpcMessages(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:') && l.slice(5).trim())
      .map((l) => JSON.parse(l.slice(5)) as Record<string, unknown>);
  }
  return text ? [JSON.parse(text) as Record<string, unknown>] : [];
}

/** A raw 2025-era session over fetch: what a client does before calling a tool, with every request's status visible. */
export class McpSession {
  readonly mcpUrl: string;
  readonly token: string;
  readonly sessionId: string;
  #id = 2;
  private constructor(mcpUrl: string, token: string, sessionId: string) {
    this.mcpUrl = mcpUrl;
    this.token = token;
    this.sessionId = sessionId;
  }
  static async open(mcpUrl: string, token: string): Promise<McpSession> {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'e2e-login-raw', version: '1.0.0' },
        },
      }),
    });
    expect(res.status).toBe(200);
    const sessionId = res.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();
    await res.body?.cancel();
    const session = new McpSession(mcpUrl, token, sessionId!);
    const initialized = await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(initialized.status).toBe(202);
    await initialized.body?.cancel();
    return session;
  }
  post(message: unknown): Promise<Response> {
    return fetch(this.mcpUrl, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: `Bearer ${this.token}`,
        'mcp-session-id': this.sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify(message),
    });
  }
  request(method: string, params: unknown): Promise<Response> {
    return this.post({ jsonrpc: '2.0', id: this.#id++, method, params });
  }
}

/**
 * The scripted "browser" of a redirect handler: follows an authorization URL built by someone else (the SDK)
 * through the AS's login and consent pages (local/oauth-login.ts driveAuthorization) and stops at the redirect
 * to `redirectUri`, which is never fetched. Returns that redirect's query (code, state, iss, or error).
 */
export function driveLogin(
  authorizationUrl: string,
  redirectUri: string,
  username: string,
  password: string,
): Promise<URLSearchParams> {
  return driveAuthorization({ authorizationUrl, redirectUri, username, password });
}

/**
 * The official SDK client's OAuthClientProvider, with a scripted redirect handler: `redirectToAuthorization` drives
 * the AS's login pages over HTTP (as the user would in a browser) and keeps the callback's query for finishAuth.
 */
export class ScriptedOAuthProvider implements OAuthClientProvider {
  readonly username: string;
  readonly password: string;
  readonly #redirect: string;
  #client: StoredOAuthClientInformation | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  #state = '';
  #discovery: OAuthDiscoveryState | undefined;
  /** The authorization URL the SDK built (to assert its PKCE, resource and scope). */
  authorizationUrl: URL | undefined;
  /** The query of the redirect back to the client (code, state, iss). */
  callback: URLSearchParams | undefined;
  registrations = 0;

  readonly #grantTypes: string[];

  /**
   * With the refresh_token grant (the default) the SDK also asks for offline_access when the AS lists it (SDK v2
   * determineScope). With `preRegistered` the SDK skips DCR and uses that public client of that issuer.
   */
  constructor(opts: {
    redirectUri: string;
    username: string;
    password: string;
    grantTypes?: string[];
    preRegistered?: { clientId: string; issuer: string };
  }) {
    this.#redirect = opts.redirectUri;
    this.username = opts.username;
    this.password = opts.password;
    this.#grantTypes = opts.grantTypes ?? ['authorization_code', 'refresh_token'];
    if (opts.preRegistered)
      this.#client = { client_id: opts.preRegistered.clientId, issuer: opts.preRegistered.issuer };
  }
  get redirectUrl(): string {
    return this.#redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'mcp-lambda-stack e2e (SDK OAuth client)',
      redirect_uris: [this.#redirect],
      grant_types: this.#grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'mcp:tools mcp:admin',
    };
  }
  state(): string {
    this.#state = randomBytes(16).toString('base64url');
    return this.#state;
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    // The SDK also saves to stamp the issuer on a known client (SEP-2352); only a new client_id is a registration.
    if (info.client_id !== this.#client?.client_id) this.registrations++;
    this.#client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  // SEP-2352: the SDK binds the callback leg to the authorization server it discovered.
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrl = url;
    this.callback = await driveLogin(url.href, this.#redirect, this.username, this.password);
    // The SDK leaves `state` to the application.
    if (this.callback.get('state') !== this.#state) throw new Error('state mismatch on the redirect');
  }
}

export interface LoginFlowOptions {
  /** Describe-block title. */
  name: string;
  /** When set, every test is skipped and the reason is printed. */
  skipReason?: string | undefined;
  /** Started once in beforeAll by the test file; the file stops them in afterAll. */
  stack: () => { issuer: string; host: HostProcess; mcpUrl: string };
  /** What this AS answers at the three discovery URLs, in the MCP spec's order. */
  discoveryStatuses: [number, number, number];
  /** The access token's JOSE `typ` and the claim that names the client. */
  tokenTyp: string;
  clientIdClaim: 'azp' | 'client_id';
  /**
   * A known defect of this AS: anonymous DCR refuses a `scope` in the client metadata. Every real MCP client sends
   * one (the SDK puts the challenge's scope there), so the SDK's OAuth flow cannot register. With a reason set, step 3
   * registers without `scope`, and the two tests that need it are `it.fails` (they flip to failing once it is fixed,
   * which is the signal to drop this option).
   */
  dcrScopeRefused?: string;
  /**
   * A known defect of this AS: a token request with offline_access fails. The SDK adds offline_access to its scope
   * whenever the AS lists it and the client has the refresh_token grant, so its default flow fails at the token
   * exchange. With a reason set, that flow is `it.fails`; the pre-registered-client SDK flow still runs (without
   * offline_access), which proves the rest of the SDK's OAuth support against this AS.
   */
  offlineAccessRefused?: string;
}

function scopesOf(payload: Record<string, unknown>): string[] {
  return String(payload.scope ?? '')
    .split(' ')
    .filter(Boolean);
}

interface Whoami {
  subject: string;
  clientId: string | null;
  scopes: string[];
}

function textOf(result: { content?: unknown }): string {
  const content = result.content as Array<{ type: string; text?: string }> | undefined;
  return content?.map((c) => c.text ?? '').join('') ?? '';
}

/** Connects an SDK v2 client (2025-era negotiation: initialize + session) with a fixed Bearer token. */
async function connectWithToken(mcpUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'e2e-login', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: { token: async () => token } }),
  );
  return client;
}

async function whoami(client: Client): Promise<Whoami> {
  return JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as Whoami;
}

/** Calls stream_demo and returns the progress arrival times (ms since the call) and the completion time. */
async function streamDemo(client: Client, chunks: number, intervalMs: number) {
  const started = performance.now();
  const arrivals: number[] = [];
  const messages: string[] = [];
  const result = await client.callTool(
    { name: 'stream_demo', arguments: { chunks, interval_ms: intervalMs } },
    {
      onprogress: (p) => {
        arrivals.push(performance.now() - started);
        messages.push(String(p.message ?? ''));
      },
    },
  );
  return { arrivals, messages, done: performance.now() - started, text: textOf(result) };
}

export function defineLoginFlow(o: LoginFlowOptions): void {
  if (o.skipReason) console.warn(`SKIPPED ${o.name}: ${o.skipReason}`);

  describe.skipIf(Boolean(o.skipReason))(o.name, () => {
    let issuer: string;
    let mcpUrl: string;
    let prmUrl: string;
    let metadata: AuthServerMetadata;
    let clientId: string;
    let redirectUri: string;
    let dev: TokenResponse;
    const verify = (token: string) =>
      jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri!)), {
        issuer,
        audience: mcpUrl,
        algorithms: ['RS256', 'PS256', 'ES256'],
      });

    beforeAll(async () => {
      ({ issuer, mcpUrl } = o.stack());
      redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    });

    describe('the 8 steps, in order', () => {
      it('1. GET /mcp without a token is 401 with resource_metadata and the needed scope', async () => {
        const res = await fetch(mcpUrl, { headers: { accept: 'text/event-stream' } });
        expect(res.status).toBe(401);
        await res.body?.cancel();
        const challenge = readChallenge(res);
        expect(challenge.resource_metadata).toBe(`${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`);
        expect(challenge.scope).toBe('mcp:tools');
        // No token was presented, so no error code (RFC 6750 section 3.1).
        expect(challenge.error).toBeUndefined();
        prmUrl = challenge.resource_metadata!;
      });

      it('2. the PRM names the AS; discovery tries RFC 8414 first, and the AS answers the expected paths', async () => {
        const res = await fetch(prmUrl);
        expect(res.status).toBe(200);
        const prm = (await res.json()) as {
          resource: string;
          authorization_servers: string[];
          scopes_supported: string[];
        };
        expect(prm.resource).toBe(mcpUrl);
        expect(prm.authorization_servers).toEqual([issuer]);
        expect(prm.scopes_supported).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));

        const urls = discoveryUrls(issuer);
        const origin = new URL(issuer).origin;
        expect(urls).toEqual([
          `${origin}/.well-known/oauth-authorization-server/realms/mcp`,
          `${origin}/.well-known/openid-configuration/realms/mcp`,
          `${origin}/realms/mcp/.well-known/openid-configuration`,
        ]);
        const statuses: number[] = [];
        for (const u of urls) {
          const r = await fetch(u, { headers: { accept: 'application/json' } });
          statuses.push(r.status);
          if (r.ok) expect(((await r.json()) as { issuer: string }).issuer).toBe(issuer);
          else await r.body?.cancel();
        }
        expect(statuses).toEqual(o.discoveryStatuses);

        const found = await discoverAuthServer(issuer);
        expect(found.url).toBe(urls[o.discoveryStatuses.indexOf(200)]);
        metadata = found.metadata;
        expect(metadata.code_challenge_methods_supported).toContain('S256');
        expect(metadata.registration_endpoint).toBeTruthy();
      });

      it('3. anonymous DCR registers a public client with a loopback redirect URI', async () => {
        const res = await fetch(metadata.registration_endpoint!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            client_name: 'e2e login flow',
            redirect_uris: [redirectUri],
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            ...(o.dcrScopeRefused ? {} : { scope: 'mcp:tools mcp:admin' }),
          }),
        });
        expect(res.status).toBe(201);
        const body = (await res.json()) as { client_id: string; client_secret?: string; redirect_uris: string[] };
        expect(body.client_id).toBeTruthy();
        expect(body.client_secret).toBeUndefined();
        expect(body.redirect_uris).toEqual([redirectUri]);
        clientId = body.client_id;
      });

      it('4+5. code flow with PKCE S256 and resource, dev logs in through the form; aud names the MCP URL', async () => {
        dev = await authorizationCodeLogin({
          metadata,
          clientId,
          redirectUri,
          scope: 'mcp:tools mcp:admin',
          resource: mcpUrl,
          username: 'dev',
          password: 'dev',
        });
        expect(dev.token_type.toLowerCase()).toBe('bearer');
        expect(dev.refresh_token).toBeTruthy();
        const { payload, protectedHeader } = await verify(dev.access_token);
        expect([payload.aud].flat()).toContain(mcpUrl);
        expect([payload.aud].flat()).not.toContain('account');
        expect(protectedHeader.typ).toBe(o.tokenTyp);
        expect(payload[o.clientIdClaim]).toBe(clientId);
        expect(scopesOf(payload)).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
      });

      it('6. whoami and stream_demo with the Bearer token; the stream arrives incrementally', async () => {
        const claims = decodeJwtPayload(dev.access_token);
        const client = await connectWithToken(mcpUrl, dev.access_token);
        try {
          const me = await whoami(client);
          expect(me.subject).toBe(claims.sub);
          expect(me.clientId).toBe(clientId);
          expect(me.scopes).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));

          const s = await streamDemo(client, 5, 250);
          expect(s.messages).toEqual([1, 2, 3, 4, 5].map((i) => `chunk ${i}/5`));
          // Incremental: the first chunk arrives long before the last, and long before the result.
          const first = s.arrivals[0]!;
          const last = s.arrivals[4]!;
          expect(last - first).toBeGreaterThan(750);
          expect(s.done - first).toBeGreaterThan(750);
          for (let i = 1; i < 5; i++) expect(s.arrivals[i]! - s.arrivals[i - 1]!).toBeGreaterThan(100);
          expect(s.text.split('\n')).toHaveLength(5);
        } finally {
          await client.close();
        }
      });

      it('7. the refresh token gives a new access token that works', async () => {
        const before = decodeJwtPayload(dev.access_token);
        const refreshed = await refreshGrant({
          metadata,
          clientId,
          refreshToken: dev.refresh_token!,
          resource: mcpUrl,
        });
        const { payload } = await verify(refreshed.access_token);
        expect(payload.jti).not.toBe(before.jti);
        expect(payload.sub).toBe(before.sub);
        expect([payload.aud].flat()).toContain(mcpUrl);
        const client = await connectWithToken(mcpUrl, refreshed.access_token);
        try {
          expect((await whoami(client)).subject).toBe(before.sub);
          const echo = await client.callTool({ name: 'echo', arguments: { text: 'after refresh' } });
          expect(textOf(echo)).toBe('after refresh');
        } finally {
          await client.close();
        }
      });

      it('8. step-up: viewer gets 403 insufficient_scope on admin_demo; dev succeeds', async () => {
        const viewer = await authorizationCodeLogin({
          metadata,
          clientId,
          redirectUri,
          scope: 'mcp:tools mcp:admin',
          resource: mcpUrl,
          username: 'viewer',
          password: 'viewer',
        });
        const viewerClaims = (await verify(viewer.access_token)).payload;
        expect(scopesOf(viewerClaims)).toContain('mcp:tools');
        expect(scopesOf(viewerClaims)).not.toContain('mcp:admin');

        const session = await McpSession.open(mcpUrl, viewer.access_token);
        const listed = await session.request('tools/list', {});
        expect(listed.status).toBe(200);
        const [list] = await rpcMessages(listed);
        const names = ((list!.result as { tools: Array<{ name: string }> }).tools ?? []).map((t) => t.name);
        expect(names).toContain('whoami');
        expect(names).not.toContain('admin_demo');

        const denied = await session.request('tools/call', { name: 'admin_demo', arguments: {} });
        expect(denied.status).toBe(403);
        await denied.body?.cancel();
        const challenge = readChallenge(denied);
        expect(challenge.error).toBe('insufficient_scope');
        expect(challenge.scope).toBe('mcp:admin');
        expect(challenge.resource_metadata).toBe(prmUrl);

        // The same viewer session still works for the tools it may use.
        const ok = await session.request('tools/call', { name: 'echo', arguments: { text: 'viewer' } });
        expect(ok.status).toBe(200);
        const [echo] = await rpcMessages(ok);
        expect(textOf(echo!.result as { content: unknown })).toBe('viewer');

        const devSession = await McpSession.open(mcpUrl, dev.access_token);
        const allowed = await devSession.request('tools/call', { name: 'admin_demo', arguments: {} });
        expect(allowed.status).toBe(200);
        const [admin] = await rpcMessages(allowed);
        const sub = String(decodeJwtPayload(dev.access_token).sub);
        expect(textOf(admin!.result as { content: unknown })).toBe(`admin action performed for ${sub}`);
      });
    });

    // it.fails: see LoginFlowOptions.dcrScopeRefused.
    const itNeedsDcrScope = o.dcrScopeRefused ? it.fails : it;
    const gap = o.dcrScopeRefused ? ` [KNOWN GAP, expected to fail: ${o.dcrScopeRefused}]` : '';

    itNeedsDcrScope(`anonymous DCR accepts the MCP scopes in the client metadata${gap}`, async () => {
      const res = await fetch(metadata.registration_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          client_name: 'e2e dcr with scope',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'mcp:tools',
        }),
      });
      await res.body?.cancel();
      expect(res.status).toBe(201);
    });

    /** With `preRegistered`, the public client both realms ship for MCP Inspector (no DCR). */
    async function sdkOAuthFlow(grantTypes: string[], preRegistered = false) {
      const provider = new ScriptedOAuthProvider({
        redirectUri: preRegistered ? INSPECTOR.redirectUri : `http://127.0.0.1:${await freePort()}/callback`,
        username: 'dev',
        password: 'dev',
        grantTypes,
        ...(preRegistered ? { preRegistered: { clientId: INSPECTOR.clientId, issuer } } : {}),
      });
      const registrations = preRegistered ? 0 : 1;
      const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
      const first = new Client({ name: 'e2e-sdk-oauth', version: '1.0.0' });
      // The 401 starts the SDK's flow: PRM, AS discovery, DCR, then our redirect handler logs in.
      await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(provider.registrations).toBe(registrations);
      const sent = provider.authorizationUrl!;
      expect(sent.origin + sent.pathname).toBe(metadata.authorization_endpoint);
      expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
      expect(sent.searchParams.get('resource')).toBe(mcpUrl);
      const scope = sent.searchParams.get('scope')?.split(' ') ?? [];
      expect(scope).toContain('mcp:tools');
      expect(scope.includes('offline_access')).toBe(grantTypes.includes('refresh_token'));
      const callback = provider.callback!;
      expect(callback.get('code')).toBeTruthy();

      await transport.finishAuth(callback);
      const tokens = provider.tokens()!;
      const { payload } = await verify(tokens.access_token);
      expect([payload.aud].flat()).toContain(mcpUrl);
      const registered = provider.clientInformation()!.client_id;
      expect(payload[o.clientIdClaim]).toBe(registered);

      const client = new Client({ name: 'e2e-sdk-oauth', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
      try {
        const me = await whoami(client);
        expect(me.subject).toBe(payload.sub);
        expect(me.clientId).toBe(registered);
        const s = await streamDemo(client, 3, 250);
        expect(s.arrivals).toHaveLength(3);
        expect(s.arrivals[2]! - s.arrivals[0]!).toBeGreaterThan(350);
      } finally {
        await client.close();
      }
      // No second registration and no second login.
      expect(provider.registrations).toBe(registrations);
    }

    describe("the official SDK client's own OAuth support (OAuthClientProvider + scripted redirect handler)", () => {
      const defaultGap = [o.dcrScopeRefused, o.offlineAccessRefused].filter(Boolean).join('; ');
      (defaultGap ? it.fails : it)(
        `discovers, registers (DCR), logs dev in (offline_access added by the SDK), finishes auth, calls tools${
          defaultGap ? ` [KNOWN GAP, expected to fail: ${defaultGap}]` : ''
        }`,
        () => sdkOAuthFlow(['authorization_code', 'refresh_token']),
      );
      // The pre-registered public client (no DCR). Without the refresh_token grant in its metadata the SDK does not
      // add offline_access, which keeps this flow clear of both known gaps above.
      it('with the pre-registered public client mcp-inspector (no DCR), without offline_access', () =>
        sdkOAuthFlow(['authorization_code'], true));
      if (!o.offlineAccessRefused) {
        it('with the pre-registered public client mcp-inspector and the refresh_token grant (offline_access)', () =>
          sdkOAuthFlow(['authorization_code', 'refresh_token'], true));
      }
    });

    it('the same token with a forged signature is 401 invalid_token', async () => {
      const [h, p] = dev.access_token.split('.');
      const forged = `${h}.${p}.${Buffer.from(randomBytes(256)).toString('base64url')}`;
      const { status, challenge } = await tryToken(mcpUrl, forged);
      expect(status).toBe(401);
      expect(challenge.error).toBe('invalid_token');
    });
  });
}

/** POSTs an initialize with the token; returns the status and, for a 401, the challenge's auth-params. */
export async function tryToken(
  mcpUrl: string,
  token: string,
): Promise<{ status: number; challenge: Record<string, string> }> {
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-foreign', version: '1' } },
    }),
  });
  await res.body?.cancel();
  return { status: res.status, challenge: res.status === 401 ? readChallenge(res) : {} };
}
