// `npm start` with a bad configuration stops at once and says why (#15): every case exits non-zero within 5 s with
// a message that names the variable (or, for the issuer, every URL it tried and what came back), and before any
// authorization server starts or anything is built: no "auth:"/"keycloak:" progress and no "building" line, with
// AS left to its default (Keycloak wherever a Java 21+ exists, which used to take 41 s before the config was read).
// The 5 s is the issue's contract for processes that take well under a second here; ordering is asserted too.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyServer } from '../../integration/auth/key-server.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import { copyRepo, type RepoCopy, ROOT } from '../../support/repo-copy.ts';
import { startStack, userEnv } from '../../support/stack-process.ts';
import { freePort } from '../login/login-flow.ts';

interface Outcome {
  code: number | null;
  ms: number;
  stderr: string;
  stdout: string;
}

/** `node local/start.ts --no-build` (the e2e globalSetup built dist/) with a user's env plus `extra`. */
function start(extra: Record<string, string>, args: string[] = [], cwd = ROOT): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(cwd, 'local/start.ts'), '--no-build', ...args], {
      cwd,
      env: userEnv(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // A start that does not fail would run forever: stop it after 20 s and report it as such.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, ms: Date.now() - started, stderr, stdout });
    });
  });
}

/** Exited non-zero, fast, with `message`, and nothing slow started before it. */
function expectFastFailure(o: Outcome, ...message: Array<string | RegExp>) {
  expect(o.code, o.stderr).toBe(1);
  expect(o.ms, o.stderr).toBeLessThan(5_000);
  for (const m of message) {
    if (typeof m === 'string') expect(o.stderr).toContain(m);
    else expect(o.stderr).toMatch(m);
  }
  expect(o.stderr).not.toMatch(/\[start\] (auth|keycloak):/);
  expect(o.stderr).not.toContain('building function bundles');
  expect(o.stdout).not.toContain('local stack is up');
}

let issuer: TestIssuer;
let port: number;
let asPort: number;
beforeAll(async () => {
  issuer = await startTestIssuer();
  [port, asPort] = [await freePort(), await freePort()];
});
afterAll(async () => {
  await issuer?.stop();
});

describe('npm start: a bad variable stops it within 5 s, naming the variable, before any AS starts', () => {
  const base = () => ({ PORT: String(port), AS_PORT: String(asPort) });
  const cases: Array<[string, Record<string, string>, string]> = [
    ['SESSION_TTL_S=abc', { SESSION_TTL_S: 'abc' }, 'Invalid configuration: SESSION_TTL_S must be a whole number'],
    ['PORT=abc', { PORT: 'abc' }, 'Invalid configuration: PORT must be a port number'],
    ['AS_PORT=70000', { AS_PORT: '70000' }, 'Invalid configuration: AS_PORT must be a port number'],
    ['AS=auth0', { AS: 'auth0' }, 'Invalid configuration: AS must be keycloak, embedded or auto'],
    ['DEMO_TOOLS=maybe', { DEMO_TOOLS: 'maybe' }, 'Invalid configuration: DEMO_TOOLS must be true or false'],
    ['FUNCTIONS=Nope', { FUNCTIONS: 'Nope' }, 'Invalid configuration: FUNCTIONS no function named "Nope"'],
    ['AUTH_ALGORITHMS=HS256', { AUTH_ALGORITHMS: 'HS256' }, 'Invalid configuration: AUTH_ALGORITHMS'],
    ['FACADE=maybe', { FACADE: 'maybe' }, 'Invalid configuration: FACADE must be true or false'],
    [
      'FACADE=true with AUTH_ISSUER',
      { FACADE: 'true', AUTH_ISSUER: 'http://127.0.0.1:1/realms/mcp' },
      'Invalid configuration: AUTH_ISSUER must not be set with the façade',
    ],
    [
      'FACADE_UPSTREAM_ISSUER without FACADE_UPSTREAM_CLIENT_ID',
      { FACADE_UPSTREAM_ISSUER: 'https://idp.example.com' },
      'Invalid configuration: FACADE_UPSTREAM_CLIENT_ID is required',
    ],
    [
      'FACADE=true with FACADE_ACCESS_TOKEN_TTL_S=5m',
      { FACADE: 'true', FACADE_ACCESS_TOKEN_TTL_S: '5m' },
      'Invalid configuration: FACADE_ACCESS_TOKEN_TTL_S must be a whole number',
    ],
    [
      'AUTH_SCOPES_SUPPORTED leaving out a declared scope',
      { AUTH_SCOPES_SUPPORTED: 'mcp:tools' },
      'Invalid configuration: AUTH_SCOPES_SUPPORTED leaves out mcp:admin (tool admin_demo)',
    ],
  ];
  for (const [name, extra, message] of cases) {
    it(name, async () => {
      expectFastFailure(await start({ ...base(), ...extra }), message);
    });
  }

  it('MCP_PUBLIC_URL with a trailing slash: refused, with the URL to use', async () => {
    const url = `http://127.0.0.1:${port}/mcp`;
    expectFastFailure(
      await start({ ...base(), MCP_PUBLIC_URL: `${url}/` }),
      `Invalid configuration: MCP_PUBLIC_URL must not end with a slash, got "${url}/"`,
      `use ${url}`,
    );
  });

  it('MCP_PUBLIC_URL on a path the host does not serve: refused (the printed URL would answer 404)', async () => {
    expectFastFailure(
      await start({ ...base(), MCP_PUBLIC_URL: `http://127.0.0.1:${port}/api/mcp` }),
      'Invalid configuration: MCP_PUBLIC_URL has the path /api/mcp, which the local host does not serve',
    );
  });

  it('a tool file that does not default-export a tool names the file (in a copy of the repository)', async () => {
    const repo: RepoCopy = copyRepo({ nodeModules: 'link', prefix: 'mcp-stack-badtool-' });
    try {
      writeFileSync(path.join(repo.dir, 'tools', 'half_done.ts'), 'export const x = 1;\n');
      expectFastFailure(
        await start({ ...base() }, [], repo.dir),
        'tools/half_done.ts must `export default defineTool({ … })`',
      );
    } finally {
      repo.remove();
    }
  });
});

describe('npm start: a port in use names the variable that moves it', () => {
  let holder: Server;
  let held: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    held = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => holder.close(() => r())));

  it('PORT', async () => {
    expectFastFailure(
      await start({ PORT: String(held), AS_PORT: String(asPort) }),
      `PORT=${held}: 127.0.0.1:${held} is already in use`,
      'set PORT to another port (PORT=0 picks a free one)',
    );
  });

  it('AS_PORT', async () => {
    expectFastFailure(
      await start({ PORT: String(port), AS_PORT: String(held), AS: 'embedded' }),
      `AS_PORT=${held}: 127.0.0.1:${held} is already in use`,
      'set AS_PORT to another port',
    );
  });
});

describe('npm start: the issuer is checked at start, naming every URL tried and what came back', () => {
  const env = (issuerUrl: string, extra: Record<string, string> = {}) => ({
    PORT: String(port),
    AUTH_ISSUER: issuerUrl,
    ...extra,
  });

  it('unreachable: each discovery URL and the connection error', async () => {
    const dead = await freePort();
    const o = await start(env(`http://127.0.0.1:${dead}/realms/mcp`));
    expectFastFailure(
      o,
      `AUTH_ISSUER=http://127.0.0.1:${dead}/realms/mcp: no authorization server metadata names exactly this issuer`,
      `http://127.0.0.1:${dead}/.well-known/oauth-authorization-server/realms/mcp -> ECONNREFUSED`,
      `http://127.0.0.1:${dead}/realms/mcp/.well-known/openid-configuration -> ECONNREFUSED`,
    );
  });

  it('another realm: the 404s', async () => {
    const other = issuer.issuer.replace('/realms/mcp', '/realms/other');
    const o = await start(env(other));
    expectFastFailure(o, `${other}/.well-known/openid-configuration -> HTTP 404`);
  });

  it('localhost for 127.0.0.1: the document names the real issuer, and says to use it exactly', async () => {
    const wrong = issuer.issuer.replace('127.0.0.1', 'localhost');
    const o = await start(env(wrong));
    expectFastFailure(
      o,
      `${wrong}/.well-known/openid-configuration -> HTTP 200 naming issuer "${issuer.issuer}"`,
      `set AUTH_ISSUER=${issuer.issuer} exactly`,
    );
  });

  it('signing keys that do not answer: the JWKS URL and its status', async () => {
    const o = await start(env(issuer.issuer, { AUTH_JWKS_URL: `${issuer.server.origin}/no/such/certs` }));
    expectFastFailure(o, `the signing keys (AUTH_JWKS_URL) at ${issuer.server.origin}/no/such/certs -> HTTP 404`);
  });

  describe('an AS that does not offer a scope a tool needs', () => {
    let narrow: KeyServer;
    let narrowIssuer: string;
    beforeAll(async () => {
      const { startKeyServer } = await import('../../integration/auth/key-server.ts');
      narrow = await startKeyServer();
      narrowIssuer = `${narrow.origin}/realms/mcp`;
      narrow.serve('/realms/mcp/.well-known/openid-configuration', {
        issuer: narrowIssuer,
        jwks_uri: issuer.jwksUrl,
        scopes_supported: ['openid', 'mcp:tools'],
      });
    });
    afterAll(() => narrow?.stop());

    it('names the scope, the tool that needs it and what the AS offers', async () => {
      expectFastFailure(
        await start(env(narrowIssuer)),
        `the authorization server ${narrowIssuer} does not offer scope mcp:admin (tool admin_demo needs it)`,
        'its scopes_supported',
        'openid mcp:tools',
      );
    });
  });

  it('--degraded starts anyway and says so in the banner', async () => {
    const dead = await freePort();
    const stack = await startStack({
      command: `exec ${JSON.stringify(process.execPath)} local/start.ts --no-build --degraded`,
      cwd: ROOT,
      env: userEnv(env(`http://127.0.0.1:${dead}/realms/mcp`)),
      timeoutMs: 60_000,
      logName: 'fail-fast-degraded',
    });
    try {
      expect(stack.banner('DEGRADED')).toContain(`AUTH_ISSUER=http://127.0.0.1:${dead}/realms/mcp`);
      expect(stack.stderr()).toContain('DEGRADED:');
    } finally {
      await stack.interrupt();
    }
  });
});
