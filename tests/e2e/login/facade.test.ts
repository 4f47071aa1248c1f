// The registration façade end to end, through the local host (the Lambda bundles SAM deploys) in front of the
// embedded dev AS with registration (DCR) OFF:
//  1. `npm start` with FACADE=true: the official SDK v2 client discovers the façade through the PRM, registers (DCR)
//     at the façade, logs dev in at the upstream (consent at the façade first), gets the façade's token, calls tools.
//  2. Two local hosts on one dynalite: the authorization starts on host A, consent, callback and token happen on
//     host B (state shared in DynamoDB), a replay of the code on host A is refused, and the token calls whoami.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  Client,
  type OAuthClientMetadata,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENTS, type DevAuthServer, startDevAuthServer } from '../../../local/dev-as.ts';
import { driveAuthorization, pkcePair } from '../../../local/oauth-login.ts';
import { newSigningKey } from '../../integration/facade/harness.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { freePort, McpSession, mcpUrlFor, readChallenge, rpcMessages, ScriptedOAuthProvider } from './login-flow.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

const textOf = (r: { content?: unknown }) =>
  ((r.content as Array<{ type: string; text?: string }>) ?? []).map((c) => c.text ?? '').join('');

async function whoami(client: Client): Promise<{ subject: string; clientId: string; scopes: string[] }> {
  return JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
}

describe('npm start with FACADE=true: the SDK v2 OAuth client logs in through the façade', () => {
  let host: HostProcess;
  let mcpUrl: string;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    mcpUrl = mcpUrlFor(port);
    issuer = new URL(mcpUrl).origin;
    host = await startHostProcess({
      PORT: String(port),
      MCP_PUBLIC_URL: mcpUrl,
      AS_PORT: String(await freePort()),
      FACADE: 'true',
      DEMO_TOOLS: 'true',
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('prints the façade URLs; the PRM names the façade; the upstream has no registration endpoint', async () => {
    const out = host.stdout();
    expect(out).toContain(`Façade metadata     ${issuer}/.well-known/oauth-authorization-server`);
    const upstream = /Façade upstream\s+(\S+)/.exec(out)![1]!;
    expect(upstream).not.toBe(issuer);
    const prm = (await (await fetch(`${issuer}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      authorization_servers: string[];
    };
    expect(prm.authorization_servers).toEqual([issuer]);
    const up = (await (await fetch(`${upstream}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(up.issuer).toBe(upstream);
    expect(up.registration_endpoint).toBeUndefined();
  });

  it('npm run token (FACADE=true) registers at the façade and prints a façade token that calls whoami', async () => {
    expect(host.stdout()).toMatch(/Access token\s+.*FACADE=true.*npm run token/);
    const { stdout } = await run(process.execPath, ['local/token.ts', '--scope', 'mcp:tools mcp:admin'], {
      cwd: ROOT,
      env: { ...process.env, FACADE: 'true', MCP_PUBLIC_URL: mcpUrl },
    });
    const token = stdout.trim();
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`)), {
      issuer,
      audience: mcpUrl,
    });
    expect(payload.sub).toBe('dev');
    expect(String(payload.scope).split(' ').sort()).toEqual(['mcp:admin', 'mcp:tools']);
    const session = await McpSession.open(mcpUrl, token);
    const res = await session.request('tools/call', { name: 'admin_demo', arguments: {} });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  async function sdkLogin(user: string) {
    const provider = new ScriptedOAuthProvider({
      redirectUri: `http://127.0.0.1:${await freePort()}/callback`,
      username: user,
      password: user,
    });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    // The 401 starts the SDK's flow: PRM, façade metadata, DCR at the façade, then the scripted browser.
    await expect(new Client({ name: 'e2e-facade', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.registrations).toBe(1);
    const sent = provider.authorizationUrl!;
    expect(sent.origin + sent.pathname).toBe(`${issuer}/oauth/authorize`);
    expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(sent.searchParams.get('resource')).toBe(mcpUrl);
    expect(provider.callback!.get('iss')).toBe(issuer);
    await transport.finishAuth(provider.callback!);
    return provider;
  }

  /** Step-up (MCP 403 insufficient_scope): the SDK re-authorizes with the union scope; the browser leg runs again. */
  async function stepUp(provider: ScriptedOAuthProvider, client: Client) {
    await expect(client.callTool({ name: 'admin_demo', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl!.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['mcp:tools', 'mcp:admin']),
    );
    await client.close();
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await transport.finishAuth(provider.callback!);
  }

  it('dev: DCR at the façade, login upstream, the façade token, whoami; step-up to mcp:admin; admin_demo', async () => {
    const provider = await sdkLogin('dev');
    const asked = provider.authorizationUrl!.searchParams.get('scope')!.split(' ');
    const tokens = provider.tokens()!;
    // The SDK registers with the refresh_token grant: the façade's rotating refresh token comes with it.
    expect(tokens.refresh_token).toBeTruthy();
    const { payload, protectedHeader } = await jwtVerify(
      tokens.access_token,
      createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`)),
      { issuer, audience: mcpUrl },
    );
    expect(protectedHeader.typ).toBe('at+jwt');
    const registered = provider.clientInformation()!.client_id;
    expect(payload.client_id).toBe(registered);
    const first = new Client({ name: 'e2e-facade', version: '1.0.0' });
    await first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    const me = await whoami(first);
    expect(me.subject).toBe('dev');
    expect(me.clientId).toBe(registered);
    // Granted = upstream-granted ∩ asked: the SDK asked for the challenge's scope only.
    expect(me.scopes.sort()).toEqual(asked.sort());
    expect(me.scopes).not.toContain('mcp:admin');

    await stepUp(provider, first);
    const client = new Client({ name: 'e2e-facade', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    try {
      expect((await whoami(client)).scopes).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
      const admin = await client.callTool({ name: 'admin_demo', arguments: {} });
      expect(textOf(admin)).toBe('admin action performed for dev');
    } finally {
      await client.close();
    }
    expect(provider.registrations).toBe(1);
  });

  it('viewer: step-up asks for mcp:admin, the upstream refuses it, so admin_demo stays 403 insufficient_scope', async () => {
    const provider = await sdkLogin('viewer');
    const first = new Client({ name: 'e2e-facade', version: '1.0.0' });
    await first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    await stepUp(provider, first);
    expect(provider.tokens()!.scope).toBe('mcp:tools');
    const session = await McpSession.open(mcpUrl, provider.tokens()!.access_token);
    const denied = await session.request('tools/call', { name: 'admin_demo', arguments: {} });
    expect(denied.status).toBe(403);
    await denied.body?.cancel();
    expect(readChallenge(denied).error).toBe('insufficient_scope');
    const ok = await session.request('tools/call', { name: 'whoami', arguments: {} });
    expect(ok.status).toBe(200);
    const [msg] = await rpcMessages(ok);
    expect(JSON.parse(textOf(msg!.result as { content: unknown })).scopes).toEqual(['mcp:tools']);
  });
});

describe('two local hosts on one DynamoDB (dynalite): start on A, consent/callback/token on B', () => {
  let db: DynaliteServer;
  let upstream: DevAuthServer;
  let a: HostProcess;
  let b: HostProcess;
  let publicUrl: string;
  let originA: string;
  let originB: string;

  beforeAll(async () => {
    db = await startDynalite();
    const [pa, pb] = [await freePort(), await freePort()];
    publicUrl = mcpUrlFor(pa);
    originA = `http://127.0.0.1:${pa}`;
    originB = `http://127.0.0.1:${pb}`;
    upstream = await startDevAuthServer({
      publicMcpUrl: publicUrl,
      port: 0,
      registration: false,
      facadeRedirectUris: [`${originA}/oauth/callback`],
    });
    // One deployment behind one public URL: same issuer, same key, same table; two instances.
    const shared = {
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: db.endpoint,
      MCP_PUBLIC_URL: publicUrl,
      DEMO_TOOLS: 'true',
      FACADE_UPSTREAM_ISSUER: upstream.issuer,
      FACADE_UPSTREAM_CLIENT_ID: DEV_CLIENTS.facade.client_id,
      FACADE_UPSTREAM_CLIENT_SECRET: DEV_CLIENTS.facade.client_secret,
      FACADE_SIGNING_KEY: newSigningKey(),
    };
    a = await startHostProcess({ ...shared, PORT: String(pa) });
    b = await startHostProcess({ ...shared, PORT: String(pb) });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await upstream?.stop();
    await db?.close();
  });

  it('the flow crosses instances and ends in a tool call; a replay on the other instance is refused', async () => {
    const redirectUri = 'http://127.0.0.1:9999/callback';
    const meta: OAuthClientMetadata = {
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      client_name: 'two hosts',
    };
    const reg = await fetch(`${originA}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(meta),
    });
    expect(reg.status).toBe(201);
    const clientId = ((await reg.json()) as { client_id: string }).client_id;

    // Host A: the authorization request and the consent page (its pending record goes to DynamoDB).
    const { verifier, challenge } = pkcePair();
    const authz = new URL(`${originA}/oauth/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'mcp:tools mcp:admin',
      state: 'two-hosts',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: publicUrl,
    }))
      authz.searchParams.set(k, v);
    const page = await fetch(authz, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const field = (n: string) => new RegExp(`name="${n}" value="([^"]+)"`).exec(html)![1]!;

    // Host B: the consent decision, then the upstream login (registration off there).
    const consent = await fetch(`${originB}/oauth/consent`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'approve' }),
    });
    expect(consent.status).toBe(302);
    const upstreamUrl = consent.headers.get('location')!;
    expect(upstreamUrl.startsWith(upstream.issuer)).toBe(true);
    const cb = await driveAuthorization({
      authorizationUrl: upstreamUrl,
      redirectUri: `${originA}/oauth/callback`,
      username: 'dev',
      password: 'dev',
    });

    // Host B: the upstream callback (the flow record was written by B, any instance could take it).
    const back = await fetch(`${originB}/oauth/callback?${cb}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const q = new URL(back.headers.get('location')!).searchParams;
    expect(q.get('state')).toBe('two-hosts');
    const code = q.get('code')!;
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    };
    const tokenAt = (origin: string) =>
      fetch(`${origin}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    const tok = await tokenAt(originB);
    expect(tok.status).toBe(200);
    const body = (await tok.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('mcp:tools mcp:admin');

    // The code is single-use across instances.
    const replay = await tokenAt(originA);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // Host A's operational log names the replay and the client, never the code.
    await expect.poll(() => a.stderr()).toContain('facade: authorization code replayed; refused');
    const line = a
      .stderr()
      .split('\n')
      .find((l) => l.includes('code replayed'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 'WARN', client_id: clientId });
    expect(a.stderr() + a.stdout() + b.stderr() + b.stdout()).not.toContain(code);

    // The token works on either instance's MCP function (both trust the façade issuer).
    for (const origin of [originA, originB]) {
      const session = await McpSession.open(`${origin}/mcp`, body.access_token);
      const res = await session.request('tools/call', { name: 'whoami', arguments: {} });
      expect(res.status).toBe(200);
      const [msg] = await rpcMessages(res);
      const me = JSON.parse(textOf(msg!.result as { content: unknown }));
      expect(me.subject).toBe('dev');
      expect(me.clientId).toBe(clientId);
    }
  });
});
