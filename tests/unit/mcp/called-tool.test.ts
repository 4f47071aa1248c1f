// A server made for a single tools/call registers only the called tool (lib/mcp/called-tool.ts, issue #18).
// The fast path must answer exactly what the full registration answers: the same core, once with the
// targeted factory and once with every allowed tool registered, gets generated tools/call requests (known,
// unknown, refused and prototype-key names; valid and invalid arguments; callers with and without the admin
// scope) and both answers (status, content type, body) must be byte-identical.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { McpServer } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { calledToolOf, noteCalledTool, singleCallName } from '../../../lib/mcp/called-tool.ts';
import { createMcpCore, createServerFactory, createSessionfulHandler } from '../../../lib/mcp/index.ts';
import { createStores } from '../../../lib/store/index.ts';
import { tools as demoTools } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp', AUDIT_SINK: 'off' });
const refused = () => new Response(null, { status: 403 });
const core = (registerCalledOnly: boolean) =>
  createMcpCore(cfg, {
    tools: demoTools,
    insufficientScope: refused,
    factory: createServerFactory(demoTools, undefined, { registerCalledOnly }),
  });
const targeted = core(true);
const full = core(false);
// The 2025-era sessionful wiring (lib/mcp/sessions/post.ts) with each factory.
const sessionful = (registerCalledOnly: boolean) => {
  const factory = createServerFactory(demoTools, undefined, { registerCalledOnly });
  return createMcpCore(cfg, {
    tools: demoTools,
    insufficientScope: refused,
    factory,
    legacy: createSessionfulHandler(cfg, { factory, stores: createStores(cfg) }),
  });
};

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'called-tool-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const authOf = (scopes: readonly string[]): AuthInfo =>
  toAuthInfo({ subject: 'alice', clientId: 'c', scopes: [...scopes], expiresAt: 0, issuer: '' });

async function ask(which: typeof full, body: unknown, name: unknown, scopes: readonly string[]) {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
  };
  if (typeof name === 'string' && /^[\x21-\x7e]*$/.test(name)) headers['mcp-name'] = name;
  const request = new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers, body: text });
  const response = await which(request, authOf(scopes), testContext({ bodyText: text }));
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

// Tools that answer at once and the same every time (no sleeps, no sealed state), and names no tool has.
const name = fc.constantFrom(
  'echo',
  'whoami',
  'fail_demo',
  'admin_demo',
  'transfer_demo',
  'notify_demo',
  'nope',
  'constructor',
  '__proto__',
  'toString',
  '',
  7,
);
const args = fc.oneof(
  fc.constantFrom({ text: 'hi' }, { text: 5 }, {}, { amount: 3, tenant: 't' }, { message: 'boom' }, { amount: -1 }),
  fc.dictionary(fc.constantFrom('text', 'amount', 'tenant', 'message', 'x'), fc.jsonValue({ maxDepth: 1 })),
  fc.constant(undefined),
);
const scopes = fc.constantFrom(['mcp:tools'], ['mcp:tools', 'mcp:admin']);

describe('a server for one tools/call registers the called tool only', () => {
  it('answers every generated tools/call byte for byte as the full registration does', async () => {
    await fc.assert(
      fc.asyncProperty(name, args, scopes, fc.integer({ min: 1, max: 1e6 }), async (n, a, s, id) => {
        const body = {
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: n, ...(a === undefined ? {} : { arguments: a }), _meta: META },
        };
        const fast = await ask(targeted, body, n, s);
        const slow = await ask(full, body, n, s);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 150 },
    );
  });

  it('registers the one tool for a tools/call, every allowed tool otherwise', async () => {
    const factory = createServerFactory(demoTools);
    const registered = async (body: unknown, scopes = ['mcp:tools']) => {
      const request = new Request('http://127.0.0.1:3000/mcp', { method: 'POST' });
      noteCalledTool(request, body);
      const server = await factory({ era: 'modern', authInfo: authOf(scopes), requestInfo: request });
      expect(server).toBeInstanceOf(McpServer);
      return Object.keys((server as unknown as { _registeredTools: object })._registeredTools);
    };
    const call = (n: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: n } });
    const allowed = demoTools.filter((t) => t.name !== 'admin_demo').map((t) => t.name);
    expect(await registered(call('echo'))).toEqual(['echo']);
    expect(await registered(call('admin_demo'), ['mcp:tools', 'mcp:admin'])).toEqual(['admin_demo']);
    // Refused, unknown or inherited names, lists and batches: the full registration, as before.
    expect(await registered(call('admin_demo'))).toEqual(allowed);
    expect(await registered(call('nope'))).toEqual(allowed);
    expect(await registered(call('constructor'))).toEqual(allowed);
    expect(await registered({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toEqual(allowed);
    expect(await registered([call('echo')])).toEqual(allowed);
  });

  it('reads the name only from one tools/call request naming a tool', () => {
    expect(singleCallName({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } })).toBe('echo');
    expect(singleCallName({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'echo' } })).toBeUndefined();
    expect(singleCallName({ jsonrpc: '2.0', id: null, method: 'tools/call', params: { name: 'echo' } })).toBe(
      undefined,
    );
    expect(singleCallName([{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }])).toBe(undefined);
    expect(singleCallName({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 3 } })).toBeUndefined();
    expect(singleCallName({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBeUndefined();
    expect(singleCallName(null)).toBeUndefined();
    const request = new Request('http://x/');
    expect(calledToolOf(request)).toBeUndefined();
    expect(calledToolOf(undefined)).toBeUndefined();
  });
});

describe('the 2025-era sessionful POST registers the called tool only', () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  async function post(which: typeof full, body: unknown, scopes: readonly string[], sessionId?: string) {
    const text = JSON.stringify(body);
    const h = {
      ...headers,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
    };
    const request = new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers: h, body: text });
    return which(request, authOf(scopes), testContext({ bodyText: text }));
  }
  async function open(which: typeof full, scopes: readonly string[]) {
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'called-tool-test', version: '1' },
      },
    };
    const response = await post(which, init, scopes);
    await response.text();
    const id = response.headers.get('mcp-session-id');
    if (!id) throw new Error(`no session (${response.status})`);
    await (await post(which, { jsonrpc: '2.0', method: 'notifications/initialized' }, scopes, id)).text();
    return id;
  }
  // The answer's JSON-RPC messages (SSE data lines); event ids carry the session id, which differs.
  const messages = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6));

  it('answers every generated tools/call as the full registration does', async () => {
    const fast = sessionful(true);
    const slow = sessionful(false);
    const sessions = new Map<string, [string, string]>();
    for (const s of [['mcp:tools'], ['mcp:tools', 'mcp:admin']]) {
      sessions.set(s.join(' '), [await open(fast, s), await open(slow, s)]);
    }
    await fc.assert(
      fc.asyncProperty(name, args, scopes, fc.integer({ min: 1, max: 1e6 }), async (n, a, s, id) => {
        const body = {
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: n, ...(a === undefined ? {} : { arguments: a }) },
        };
        const [fastId, slowId] = sessions.get(s.join(' '))!;
        const x = await post(fast, body, s, fastId);
        const y = await post(slow, body, s, slowId);
        expect({ status: x.status, messages: messages(await x.text()) }).toEqual({
          status: y.status,
          messages: messages(await y.text()),
        });
      }),
      { numRuns: 60 },
    );
  });
});
