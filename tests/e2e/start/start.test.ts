// `npm start` as a user runs it: `node local/start.ts` with AS=embedded on free ports. The banner must name working
// URLs, the dev users, the token command and how to connect MCP Inspector; `npm run token` (local/token.ts) must find
// that AS and print a token the running stack accepts; Ctrl-C (SIGINT to the process group) stops everything.
//
// --no-build: the e2e globalSetup already built the bundles, and rebuilding dist/ here could race with other vitest
// projects' hosts reading it. Everything else is the real `npm start`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { declaredScopes } from '../../../lib/tools/index.ts';
import { decodeJwtPayload } from '../../../local/oauth-login.ts';
import { freePort, McpSession, readChallenge, rpcMessages } from '../login/login-flow.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

/** The environment of a user's shell: no stack settings inherited from the test runner. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['AUTH_ISSUER', 'MCP_PUBLIC_URL', 'AUTH_DISABLED', 'AS', 'AS_PORT', 'PORT', 'HOST', 'MCP_TOKEN'])
    delete env[k];
  // The topology is pinned: no Traefik (a runner with TRAEFIK_BIN exported gets the same stack as one without).
  for (const k of Object.keys(env)) if (k.startsWith('TRAEFIK')) delete env[k];
  return { ...env, ...extra };
}

let child: ChildProcess;
let stdout = '';
let stderr = '';
let port: number;
let asPort: number;
let mcpUrl: string;
let issuer: string;

function waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)),
      timeoutMs,
    );
    const check = () => {
      if (pattern.test(stdout)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}; stdout:\n${stdout}\nstderr:\n${stderr}`));
    });
    check();
  });
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (code) => r(code)));
}

beforeAll(async () => {
  [port, asPort] = [await freePort(), await freePort()];
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  issuer = `http://127.0.0.1:${asPort}/realms/mcp`;
  child = spawn(process.execPath, [path.join(ROOT, 'local/start.ts'), '--no-build'], {
    cwd: ROOT,
    env: cleanEnv({ AS: 'embedded', PORT: String(port), AS_PORT: String(asPort) }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, which the test stops like a terminal's Ctrl-C
  });
  // Kept for the suite-wide scan for JWT-shaped strings (scripts/test.ts).
  if (process.env.TEST_LOG_DIR) {
    mkdirSync(process.env.TEST_LOG_DIR, { recursive: true });
    const log = createWriteStream(path.join(process.env.TEST_LOG_DIR, `start-${child.pid}.log`));
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  await waitFor(/Functions from .*\n/, 60_000);
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    process.kill(-child.pid!, 'SIGKILL');
    await exited(child);
  }
});

/** The value printed after a banner label (labels are padded to one column). */
function banner(label: string): string {
  const m = new RegExp(`^  ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+(.+)$`, 'm').exec(stdout);
  if (!m) throw new Error(`no "${label}" line in the npm start banner:\n${stdout}`);
  return m[1]!.trim();
}

describe('npm start (AS=embedded, PORT and AS_PORT set)', () => {
  it('prints the MCP endpoint, host, PRM, legacy SSE and the authorization server it started', () => {
    expect(stdout).toContain('mcp-lambda-stack local stack is up');
    expect(banner('MCP endpoint')).toBe(mcpUrl);
    expect(banner('Function URL host')).toBe(`http://127.0.0.1:${port}`);
    expect(banner('PRM')).toBe(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
    expect(banner('Legacy SSE')).toBe(`http://127.0.0.1:${port}/sse`);
    expect(banner('Authorization server')).toBe(`${issuer} (embedded)`);
    // It says which AS it uses and why (progress goes to stderr, the banner to stdout).
    expect(stderr).toContain(`auth: embedded dev AS ready, issuer ${issuer}`);
  });

  it('prints the dev users, the token command and how to connect MCP Inspector', () => {
    // The scopes follow the catalogue (the demo tools' mcp:admin, and whatever tools/ declares).
    const declared = declaredScopes({ tools: toolManifest }, true);
    const all = ['mcp:tools', ...declared.map((s) => s.name)].join(' ');
    const viewer = ['mcp:tools', ...declared.filter((s) => !s.admin).map((s) => s.name)].join(' ');
    expect(all).toMatch(/^mcp:tools mcp:admin\b/);
    expect(banner('Dev users')).toBe(`dev / dev (${all}), viewer / viewer (${viewer})`);
    expect(banner('Access token')).toBe(`AS_PORT=${asPort} MCP_PUBLIC_URL=${mcpUrl} npm run token -- --scope "${all}"`);
    const inspector = banner('MCP Inspector');
    expect(inspector).toContain('npx @modelcontextprotocol/inspector');
    expect(inspector).toContain('Streamable HTTP');
    expect(inspector).toContain(`URL ${mcpUrl}`);
    expect(stdout).toMatch(/client id mcp-inspector \(pre-registered\).*log in as dev \/ dev/);
  });

  it('every printed URL answers as printed', async () => {
    const challenge = await fetch(banner('MCP endpoint'));
    expect(challenge.status).toBe(401);
    await challenge.body?.cancel();
    expect(readChallenge(challenge).resource_metadata).toBe(banner('PRM'));

    const prm = await fetch(banner('PRM'));
    expect(prm.status).toBe(200);
    const doc = (await prm.json()) as { resource: string; authorization_servers: string[] };
    expect(doc).toMatchObject({ resource: mcpUrl, authorization_servers: [issuer] });

    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);

    // The legacy SSE route is there and protected like /mcp.
    const sse = await fetch(banner('Legacy SSE'), { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(401);
    await sse.body?.cancel();
  });

  /** `npm run token` as the banner says, from a user's shell that points it at this stack. */
  async function token(args: string[], env: Record<string, string>) {
    const r = await run(process.execPath, [path.join(ROOT, 'local/token.ts'), ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      timeout: 30_000,
    });
    // stdout is the token and nothing else, so `TOKEN=$(npm run -s token)` works.
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    return r.stdout.trim();
  }

  it('npm run token (AS_PORT + MCP_PUBLIC_URL) prints a dev token the stack accepts, with both scopes', async () => {
    const t = await token(['--scope', 'mcp:tools mcp:admin'], { AS_PORT: String(asPort), MCP_PUBLIC_URL: mcpUrl });
    const claims = decodeJwtPayload(t);
    expect(claims.iss).toBe(issuer);
    expect([claims.aud].flat()).toContain(mcpUrl);

    const session = await McpSession.open(mcpUrl, t);
    const res = await session.request('tools/call', { name: 'whoami', arguments: {} });
    expect(res.status).toBe(200);
    const [msg] = await rpcMessages(res);
    const me = JSON.parse((msg!.result as { content: Array<{ text: string }> }).content[0]!.text) as {
      subject: string;
      scopes: string[];
    };
    expect(me.subject).toBe(claims.sub);
    expect(me.scopes).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
    const admin = await session.request('tools/call', { name: 'admin_demo', arguments: {} });
    expect(admin.status).toBe(200);
    await admin.body?.cancel();
  });

  it('npm run token --user viewer (AUTH_ISSUER + --resource) gets a token without mcp:admin: 403 on admin_demo', async () => {
    const t = await token(['--user', 'viewer', '--scope', 'mcp:tools mcp:admin', '--resource', mcpUrl], {
      AUTH_ISSUER: issuer,
    });
    const session = await McpSession.open(mcpUrl, t);
    const denied = await session.request('tools/call', { name: 'admin_demo', arguments: {} });
    expect(denied.status).toBe(403);
    await denied.body?.cancel();
    expect(readChallenge(denied)).toMatchObject({ error: 'insufficient_scope', scope: 'mcp:admin' });
  });

  it('Ctrl-C (SIGINT to the process group) stops the host and the AS and exits 0', async () => {
    process.kill(-child.pid!, 'SIGINT');
    const code = await Promise.race([
      exited(child),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
    ]);
    expect(code).toBe(0);
    // Both ports are free again: nothing answers.
    for (const url of [mcpUrl, `${issuer}/.well-known/openid-configuration`]) {
      const err = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => `answered ${r.status}`,
        (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.name,
      );
      expect(err).toBe('ECONNREFUSED');
    }
  });
});

describe('npm start: only --traefik or TRAEFIK switches Traefik on (#22)', () => {
  /** Runs `node local/start.ts` until its banner (or its exit), then stops it. */
  async function startOnce(args: string[], env: Record<string, string>) {
    const p = spawn(process.execPath, [path.join(ROOT, 'local/start.ts'), '--no-build', ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => {
      out += d;
    });
    p.stderr!.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null | 'up'>((resolve) => {
      p.stdout!.on('data', () => {
        if (/Functions from .*\n/.test(out)) resolve('up');
      });
      p.once('exit', (c) => resolve(c));
    });
    return { p, code, out: () => out, err: () => err };
  }

  it('TRAEFIK_BIN alone leaves the plain host topology: 127.0.0.1 URLs that answer, and a note on stderr', async () => {
    const issuerUrl = `http://127.0.0.1:${asPort}/realms/mcp`; // stopped above: --degraded starts without it
    const hostPort = await freePort();
    const s = await startOnce(['--degraded'], {
      PORT: String(hostPort),
      AUTH_ISSUER: issuerUrl,
      TRAEFIK_BIN: '/nonexistent/traefik',
    });
    try {
      expect(s.code, s.err()).toBe('up');
      expect(s.out()).toContain(`MCP endpoint        http://127.0.0.1:${hostPort}/mcp`);
      expect(s.out()).not.toContain('localhost');
      expect(s.err()).toContain('TRAEFIK_BIN is set; Traefik runs in front only with --traefik or TRAEFIK=true');
      const res = await fetch(`http://127.0.0.1:${hostPort}/.well-known/oauth-protected-resource/mcp`);
      expect(((await res.json()) as { resource: string }).resource).toBe(`http://127.0.0.1:${hostPort}/mcp`);
    } finally {
      s.p.kill('SIGTERM');
      await exited(s.p);
    }
  });

  it('--traefik without TRAEFIK_BIN, or a TRAEFIK that is not a boolean, stops at once with the variable named', async () => {
    const noBin = await startOnce(['--traefik'], { PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:1/realms/mcp' });
    expect(noBin.code).toBe(1);
    expect(noBin.err()).toContain('--traefik needs TRAEFIK_BIN=');
    const bad = await startOnce([], { PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:1/realms/mcp', TRAEFIK: 'yes' });
    expect(bad.code).toBe(1);
    expect(bad.err()).toContain('TRAEFIK must be true or false, got "yes"');
  });
});
