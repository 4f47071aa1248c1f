// The /mcp app's prefetch (lib/apps/mcp.ts, on in functions/mcp.ts): the first request with a bearer token starts
// the signing-key fetch and the core import in the background. Real verification against a loopback AS (real
// sockets, real RS256 tokens); the core import is the real one unless a case swaps it to make it fail or hang.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMcpApp, type McpAppOptions } from '../../../lib/apps/mcp.ts';
import { resetJwksCaches } from '../../../lib/auth/jwks.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import { testContext } from '../../support/context.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

const URL_ = 'http://127.0.0.1:3000/mcp';
let issuer: TestIssuer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  issuer = await startTestIssuer();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await issuer.stop();
});
beforeEach(() => {
  resetJwksCaches();
  unhandled.length = 0;
});
afterEach(() => expect(unhandled).toEqual([]));

const cfg = (): Config =>
  loadConfig({
    MCP_PUBLIC_URL: URL_,
    AUTH_ISSUER: issuer.issuer,
    AUTH_JWKS_URL: issuer.jwksUrl,
    AUTH_JWKS_TIMEOUT_MS: '500',
    AUDIT_SINK: 'off',
  });

function toolsList(token?: string): Request {
  return new Request(URL_, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'prefetch-test', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
}

const token = () => issuer.token({ audience: URL_, scope: 'mcp:tools' });
const realCore = () => import('../../../lib/apps/mcp-core.ts');

/** A core import that counts its calls and does what `behave` says for each (by call number). */
function scriptedCore(behave: (n: number) => 'fail' | 'hang' | 'real') {
  const calls: number[] = [];
  const importCore: NonNullable<McpAppOptions['importCore']> = () => {
    const n = calls.push(Date.now());
    const what = behave(n);
    if (what === 'fail') return Promise.reject(new Error(`core import ${n} failed`));
    if (what === 'hang') return new Promise(() => {});
    return realCore();
  };
  return { calls, importCore };
}

describe('prefetch on the first request with a bearer token', () => {
  it('a request without a token answers 401 and starts nothing: neither the core import nor a key fetch', async () => {
    const core = scriptedCore(() => 'hang');
    const before = issuer.server.count(new URL(issuer.jwksUrl).pathname);
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    const res = await app(toolsList(), testContext());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(core.calls).toHaveLength(0);
    expect(issuer.server.count(new URL(issuer.jwksUrl).pathname)).toBe(before);
  });

  it('with prefetch on, the 401 without a credential is still answered early, from the head, starting nothing', async () => {
    const core = scriptedCore(() => 'hang');
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    expect(app.early).toBeTypeOf('function');
    const req = toolsList();
    const answer = app.early!(req, testContext());
    expect(answer?.status).toBe(401);
    const full = await createMcpApp(cfg(), {}, undefined, { prefetch: false, importCore: core.importCore })(
      toolsList(),
      testContext(),
    );
    expect(answer?.headers['www-authenticate']).toBe(full.headers.get('www-authenticate'));
    expect(answer?.body).toBe(await full.text());
    expect(app.early!(toolsList(await token()), testContext())).toBeUndefined();
    expect(core.calls).toHaveLength(0);
  });

  it('a 401 for a bad token does not wait for the core, even when the core import never finishes', async () => {
    const core = scriptedCore(() => 'hang');
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    const bad = `${(await token()).slice(0, -4)}AAAA`;
    const res = await app(toolsList(bad), testContext());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect(core.calls).toHaveLength(1); // started in the background, never awaited by the refusal
  });

  it('the first authenticated answer is the same with and without prefetch (one key fetch, one core import)', async () => {
    const jwksPath = new URL(issuer.jwksUrl).pathname;
    const bodies: string[] = [];
    for (const prefetch of [false, true]) {
      resetJwksCaches();
      const before = issuer.server.count(jwksPath);
      const core = scriptedCore(() => 'real');
      const app = createMcpApp(cfg(), {}, undefined, { prefetch, importCore: core.importCore });
      const res = await app(toolsList(await token()), testContext());
      expect(res.status).toBe(200);
      bodies.push(await res.text());
      expect(core.calls).toHaveLength(1);
      expect(issuer.server.count(jwksPath) - before).toBe(1); // the request joined the prefetch's fetch
      expect((await app(toolsList(await token()), testContext())).status).toBe(200);
      expect(core.calls).toHaveLength(1);
    }
    expect(bodies[1]).toBe(bodies[0]);
    expect(JSON.parse(bodies[0]!).result.tools.length).toBeGreaterThan(0);
  });

  it('the core import starts only once the key request has been written to its socket', async () => {
    let socket: Socket | undefined;
    let atSend = -1;
    const onSend = (msg: unknown) => {
      if (socket) return;
      socket = (msg as { socket: Socket }).socket;
      atSend = socket.bytesWritten; // undici publishes just before it writes the request
    };
    subscribe('undici:client:sendHeaders', onSend);
    const written: number[] = [];
    const app = createMcpApp(cfg(), {}, undefined, {
      prefetch: true,
      importCore: () => {
        written.push(socket?.bytesWritten ?? -1);
        return realCore();
      },
    });
    try {
      expect((await app(toolsList(await token()), testContext())).status).toBe(200);
    } finally {
      unsubscribe('undici:client:sendHeaders', onSend);
    }
    expect(written).toHaveLength(1);
    expect(atSend).toBeGreaterThanOrEqual(0);
    expect(written[0]).toBeGreaterThan(atSend); // the request's bytes had left when the core began to load
  });

  it('a core import that fails in the prefetch is retried by the request, which answers 200', async () => {
    const core = scriptedCore((n) => (n === 1 ? 'fail' : 'real'));
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    const res = await app(toolsList(await token()), testContext());
    expect(res.status).toBe(200);
    expect(core.calls).toHaveLength(2);
    expect(JSON.parse(await res.text()).result.tools.length).toBeGreaterThan(0);
  });

  it('with the AS unreachable during the prefetch, the request gets 401; once it is back, the next one gets 200', async () => {
    await issuer.server.stop();
    const core = scriptedCore(() => 'real');
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    try {
      const res = await app(toolsList(await token()), testContext());
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    } finally {
      await issuer.server.restart();
    }
    // No cooldown left behind by the failed prefetch: the key set is fetched again at once.
    expect((await app(toolsList(await token()), testContext())).status).toBe(200);
    expect(core.calls).toHaveLength(1);
  });
});

describe("prefetch at init (prefetch: 'init', provisioned concurrency)", () => {
  it('starts the key fetch and the core import with no request; ready settles; the first call then fetches and imports nothing', async () => {
    const jwksPath = new URL(issuer.jwksUrl).pathname;
    const before = issuer.server.count(jwksPath);
    const core = scriptedCore(() => 'real');
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: 'init', importCore: core.importCore });
    expect(app.ready).toBeInstanceOf(Promise);
    await app.ready;
    expect(issuer.server.count(jwksPath)).toBe(before + 1);
    expect(core.calls).toHaveLength(1);
    const res = await app(toolsList(await token()), testContext());
    expect(res.status).toBe(200);
    expect(issuer.server.count(jwksPath)).toBe(before + 1);
    expect(core.calls).toHaveLength(1);
  });

  it('ready settles, never rejects, when the core import fails and the AS is down; requests then recover', async () => {
    await issuer.server.stop();
    const core = scriptedCore((n) => (n === 1 ? 'fail' : 'real'));
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: 'init', importCore: core.importCore });
    try {
      await expect(app.ready).resolves.toBeUndefined();
    } finally {
      await issuer.server.restart();
    }
    const res = await app(toolsList(await token()), testContext());
    expect(res.status).toBe(200);
    expect(core.calls).toHaveLength(2);
  });

  it('the first-request prefetch (prefetch: true) has no ready: nothing starts before a request', () => {
    const core = scriptedCore(() => 'hang');
    const app = createMcpApp(cfg(), {}, undefined, { prefetch: true, importCore: core.importCore });
    expect(app.ready).toBeUndefined();
    expect(core.calls).toHaveLength(0);
  });
});
