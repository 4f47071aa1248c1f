// `conformance authorization` against one local authorization server. The suite checks the AS metadata, then
// runs an authorization-code grant: it prints the authorization URL and waits for a browser to come back to
// its loopback callback. Here the browser is local/oauth-login.ts's driveAuthorization (the same scripted
// login `npm run token` uses): it logs the dev user in and the redirect it ends on is delivered to the
// suite's callback. The suite then redeems the code itself (PKCE S256, RFC 8707 resource) and checks the
// token response. The suite's redirect URI is `http://127.0.0.1:<port>/callback` with a port of its own, so
// the client is registered for exactly that URI through the AS's dynamic client registration when it offers
// one (a public client, token endpoint auth `none`, as an MCP client would register); otherwise `clientId`.
//
//   runAuthorization(opts): Promise<ScenarioResult[]>
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { discoverAuthServer, driveAuthorization } from '../../local/oauth-login.ts';
import { runCli } from './suite.ts';
import type { ScenarioResult } from './verdict.ts';

export interface AuthorizationRun {
  cli: string;
  cwd: string;
  label: string;
  issuer: string;
  /** Used when the AS offers no dynamic client registration. */
  clientId: string;
  /** The MCP server the token is for (RFC 8707 resource). */
  resource: string;
  username: string;
  password: string;
  outDir: string;
  say(line: string): void;
  children: Set<ChildProcess>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Pure: the authorization URL the suite prints for the user to open (a line after its prompt). */
export function authorizationUrlOf(line: string, afterPrompt: boolean): string | undefined {
  if (!afterPrompt) return undefined;
  const url = URL.parse(line.trim());
  return url?.searchParams.has('code_challenge') ? url.href : undefined;
}

/** A public client registered for `redirectUri` (RFC 7591), or undefined when the AS has no registration. */
async function registerClient(issuer: string, redirectUri: string): Promise<string | undefined> {
  const { metadata } = await discoverAuthServer(issuer);
  if (!metadata.registration_endpoint) return undefined;
  const res = await fetch(metadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: 'MCP conformance authorization run',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      // refresh_token too, as MCP clients register: Keycloak 26.7.3 with resource-indicators answers the code
      // redemption of a client without refresh tokens with a 500 (a NullPointerException on the refresh token).
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { client_id?: string; error?: string };
  if (res.status !== 201 || !body.client_id)
    throw new Error(`client registration answered ${res.status} ${body.error ?? ''}`.trim());
  return body.client_id;
}

export async function runAuthorization(opts: AuthorizationRun): Promise<ScenarioResult[]> {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const registered = await registerClient(opts.issuer, redirectUri);
  const clientId = registered ?? opts.clientId;
  opts.say(`${opts.label}: client ${registered ? `registered (${clientId})` : clientId}, redirect ${redirectUri}`);
  let prompted = false;
  let login: Promise<void> | undefined;
  let cli: ChildProcess | undefined;
  const results = await runCli({
    cli: opts.cli,
    cwd: opts.cwd,
    label: opts.label,
    say: opts.say,
    children: opts.children,
    onSpawn: (child) => {
      cli = child;
    },
    outDir: opts.outDir,
    args: [
      'authorization',
      '--url',
      opts.issuer,
      '--client-id',
      clientId,
      '--resource',
      opts.resource,
      '--port',
      String(port),
    ],
    onLine(line) {
      if (line.startsWith('Access the following URL')) prompted = true;
      const url = authorizationUrlOf(line, prompted);
      if (!url || login) return;
      login = (async () => {
        const back = await driveAuthorization({
          authorizationUrl: url,
          redirectUri,
          username: opts.username,
          password: opts.password,
        });
        // What the browser would do last: open the redirect, which the suite's callback server answers.
        const res = await fetch(`${redirectUri}?${back}`, { signal: AbortSignal.timeout(10_000) });
        await res.body?.cancel();
        opts.say(`${opts.label}: logged in as ${opts.username}, callback answered ${res.status}`);
      })().catch((err: Error) => {
        // The suite would wait five minutes for a callback that never comes: end it (its scenario fails).
        opts.say(`${opts.label}: scripted login failed: ${err.message.slice(0, 300)}`);
        cli?.kill('SIGTERM');
      });
    },
  });
  await login;
  return results;
}
