// Tools that ask for input, through two local hosts (two "Lambda instances") that share one dynalite
// and one REQUEST_STATE_KEYS. Hostile cases first: a tampered, another user's or an expired
// requestState gets the JSON-RPC error -32602 and an audit record with outcome `denied`; an undeclared
// capability gets -32021 with HTTP 400. Then the same tool, confirm_demo, from the SDK v2 client at
// 2026-07-28 (first leg on A, retry on B; multi-round across A, B, A), over a 2025 session and over
// legacy SSE (server-to-client requests on the stream, replies POSTed to the other instance), and the
// request-scoped log level. Only AWS is absent: DynamoDB is dynalite, everything else is real.
import { randomBytes } from 'node:crypto';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.ts';
import { argsDigest, createSealer, mintState } from '../../../lib/mcp/input/index.ts';
import {
  auditRecords,
  type Cluster,
  type Instance,
  type Json,
  readSse,
  routed,
  startCluster,
} from '../sessions/cluster.ts';

const KEYS = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
const MODERN = '2026-07-28';

let c: Cluster;
let alice: string;
let mallory: string;

beforeAll(async () => {
  c = await startCluster('dynamodb', { REQUEST_STATE_KEYS: KEYS, CONFORMANCE_FIXTURES: 'true' });
  alice = await c.token('alice');
  mallory = await c.token('mallory');
});
afterAll(async () => {
  await c?.stop();
});

let nextId = 1;
const ALL_CAPS = { elicitation: {}, sampling: {}, roots: {} };

/** One raw 2026-07-28 request (headers and `_meta` envelope as the spec has them); every frame it got back. */
async function rpc(
  i: Instance,
  token: string,
  method: string,
  params: Json,
  opts: { caps?: Json; logLevel?: string } = {},
): Promise<{ id: number; status: number; body: Json; frames: Json[] }> {
  const id = nextId++;
  const _meta: Json = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': opts.caps ?? ALL_CAPS,
    ...(opts.logLevel ? { 'io.modelcontextprotocol/logLevel': opts.logLevel } : {}),
  };
  const r = await fetch(i.mcp, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }),
  });
  let frames: Json[];
  if ((r.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const reader = readSse(r);
    await reader.ended;
    frames = reader.events.filter((e) => e.data).map((e) => JSON.parse(e.data) as Json);
  } else frames = [(await r.json()) as Json];
  return { id, status: r.status, body: frames.find((f) => f.id === id) ?? {}, frames };
}

/** The `request` audit record of JSON-RPC id `id` on instance `i` (records are written as the response ends). */
async function recordOf(i: Instance, id: number): Promise<Json> {
  let found: Json | undefined;
  await expect
    .poll(() => (found = auditRecords(i).find((r) => r.message === 'audit' && r.kind === 'request' && r.rpcId === id)))
    .toBeTruthy();
  return found!;
}

const confirm = (requestState?: string, answer: Json = { action: 'accept', content: { confirm: true } }) => ({
  name: 'confirm_demo',
  arguments: { action: 'deploy' },
  inputResponses: { confirm: answer },
  ...(requestState === undefined ? {} : { requestState }),
});

/** First leg of confirm_demo on `i`: the input-required result and its sealed state. */
async function firstLeg(i: Instance, token = alice): Promise<string> {
  const r = await rpc(i, token, 'tools/call', { name: 'confirm_demo', arguments: { action: 'deploy' } });
  expect(r.status).toBe(200);
  expect(r.body.result).toMatchObject({
    resultType: 'input_required',
    inputRequests: { confirm: { method: 'elicitation/create', params: { message: 'Do you want to deploy?' } } },
  });
  expect(r.body.result.requestState).toMatch(/^v1\.k2\./);
  return r.body.result.requestState as string;
}

const REFUSED = { code: -32602, message: 'Invalid or expired requestState', data: { reason: 'invalid_request_state' } };

describe('hostile: refused requestState (-32602, audited as denied)', () => {
  it('a tampered state (one byte of the ciphertext changed) is refused on B, and B audits it', async () => {
    const state = await firstLeg(c.a);
    const parts = state.split('.');
    const bytes = Buffer.from(parts[3]!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x80;
    parts[3] = bytes.toString('base64url');
    const r = await rpc(c.b, alice, 'tools/call', confirm(parts.join('.')));
    expect(r.status).toBe(200);
    expect(r.body.error).toEqual(REFUSED);
    expect(r.body.result).toBeUndefined();
    const rec = await recordOf(c.b, r.id);
    expect(rec).toMatchObject({
      outcome: 'denied',
      error: 'request_state_tampered',
      rpcErrorCode: -32602,
      tool: 'confirm_demo',
      principal: { sub: 'alice' },
      level: 'WARN',
    });
    // The state itself never reaches a log line.
    expect(c.b.host.stdout()).not.toContain(parts[3]);
  });

  it('the suffix the conformance suite appends ("-TAMPERED") is refused', async () => {
    const state = await firstLeg(c.a);
    const r = await rpc(c.b, alice, 'tools/call', confirm(`${state}-TAMPERED`));
    expect(r.body.error).toEqual(REFUSED);
    expect((await recordOf(c.b, r.id)).outcome).toBe('denied');
  });

  it("alice's state replayed by mallory is refused (bound to the caller), though the seal is intact", async () => {
    const state = await firstLeg(c.a);
    const r = await rpc(c.b, mallory, 'tools/call', confirm(state));
    expect(r.body.error).toEqual(REFUSED);
    expect(await recordOf(c.b, r.id)).toMatchObject({
      outcome: 'denied',
      error: 'request_state_binding',
      principal: { sub: 'mallory' },
    });
    // And on other arguments, by alice herself.
    const other = await rpc(c.b, alice, 'tools/call', {
      ...confirm(state),
      arguments: { action: 'delete everything' },
    });
    expect(other.body.error).toEqual(REFUSED);
    expect((await recordOf(c.b, other.id)).error).toBe('request_state_binding');
  });

  it('an expired state, sealed with the shared key eleven minutes ago, is refused as expired', async () => {
    const keys = loadConfig({ AUTH_DISABLED: 'true', REQUEST_STATE_KEYS: KEYS }).requestState.keys;
    const past = createSealer(keys, () => Date.now() - 11 * 60_000);
    const binding = {
      subject: 'alice',
      clientId: 'test-client',
      tool: 'tools/call confirm_demo',
      args: argsDigest({ action: 'deploy' }),
    };
    const r = await rpc(c.b, alice, 'tools/call', confirm(mintState(past, binding, {})));
    expect(r.body.error).toEqual(REFUSED);
    expect(await recordOf(c.b, r.id)).toMatchObject({ outcome: 'denied', error: 'request_state_expired' });
    // The same forgery, fresh, opens: the binding above is the server's own, so only the expiry refused it.
    const fresh = await rpc(c.b, alice, 'tools/call', confirm(mintState(createSealer(keys), binding, {})));
    expect(fresh.body.result?.content).toEqual([{ type: 'text', text: 'confirmed: deploy' }]);
  });

  it('a tool asking for a capability the client did not declare: -32021 with HTTP 400, nothing asked', async () => {
    const r = await rpc(
      c.a,
      alice,
      'tools/call',
      { name: 'confirm_demo', arguments: { action: 'deploy' } },
      { caps: { sampling: {} } },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: {} } } });
    expect(r.frames.some((f) => f.method && !String(f.method).startsWith('notifications/'))).toBe(false);
    expect(await recordOf(c.a, r.id)).toMatchObject({ rpcErrorCode: -32021, httpStatus: 400 });
    const sampling = await rpc(
      c.a,
      alice,
      'tools/call',
      { name: 'test_missing_capability', arguments: {} },
      { caps: {} },
    );
    expect(sampling.status).toBe(400);
    expect(sampling.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
  });
});

describe('logging by the request _meta log level (2026-07-28)', () => {
  it('no notifications/message without a level; at "info" only info and above, before the result', async () => {
    const none = await rpc(c.a, alice, 'tools/call', { name: 'test_logging_tool', arguments: {} });
    expect(none.frames.filter((f) => f.method === 'notifications/message')).toEqual([]);
    expect(none.body.result.content[0].text).toBe('logged at debug, info and error');

    const info = await rpc(
      c.b,
      alice,
      'tools/call',
      { name: 'test_logging_tool', arguments: {} },
      { logLevel: 'info' },
    );
    const logs = info.frames.filter((f) => f.method === 'notifications/message').map((f) => f.params.level);
    expect(logs).toEqual(['info', 'error']);
    expect(info.frames.at(-1)?.id).toBe(info.id);

    const error = await rpc(
      c.b,
      alice,
      'tools/call',
      { name: 'test_logging_tool', arguments: {} },
      { logLevel: 'error' },
    );
    expect(error.frames.filter((f) => f.method === 'notifications/message').map((f) => f.params.level)).toEqual([
      'error',
    ]);
  });
});

describe('the SDK v2 client at 2026-07-28: first leg on A, retry on B', () => {
  it('confirm_demo: the client answers the elicitation and retries on B, which completes the call', async () => {
    // Each call's legs alternate A, B, A, ... from A (`legs` is reset before each call).
    let legs = 0;
    const r = routed(c, () => (legs++ % 2 === 0 ? c.a : c.b));
    const client = new ClientV2(
      { name: 'v2-mrtr', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: {}, sampling: {} } },
    );
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(String(req.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'Paris' },
      model: 'e2e-model',
    }));
    await client.connect(
      new TransportV2(new URL(c.a.mcp), { authProvider: { token: async () => alice }, fetch: r.fetch }),
    );
    try {
      r.log.length = 0;
      legs = 0;
      const done = await client.callTool({ name: 'confirm_demo', arguments: { action: 'deploy' } });
      expect(done.content).toEqual([{ type: 'text', text: 'confirmed: deploy' }]);
      expect(asked).toEqual(['Do you want to deploy?']);
      expect(r.log).toEqual(['POST /mcp -> A', 'POST /mcp -> B']);

      r.log.length = 0;
      legs = 0;
      const sampled = await client.callTool({ name: 'sample_demo', arguments: { prompt: 'Capital of France?' } });
      expect(sampled.content).toEqual([{ type: 'text', text: 'Paris' }]);
      expect(r.log).toEqual(['POST /mcp -> A', 'POST /mcp -> B']);

      // Two rounds of input: A asks step 1, B asks step 2 (its state records step 1), A completes.
      const steps = new ClientV2(
        { name: 'v2-rounds', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: {} } },
      );
      steps.setRequestHandler('elicitation/create', async (req) => {
        const content: Record<string, string> = String(req.params.message).startsWith('Step 1')
          ? { name: 'Alice' }
          : { color: 'blue' };
        return { action: 'accept', content };
      });
      await steps.connect(
        new TransportV2(new URL(c.a.mcp), { authProvider: { token: async () => alice }, fetch: r.fetch }),
      );
      r.log.length = 0;
      legs = 0;
      const multi = await steps.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
      expect(multi.content).toEqual([{ type: 'text', text: 'Alice likes blue' }]);
      expect(r.log).toEqual(['POST /mcp -> A', 'POST /mcp -> B', 'POST /mcp -> A']);
      await steps.close();
    } finally {
      await client.close();
    }
  });

  it('a declined confirmation completes as not confirmed (the answer is the client’s to give)', async () => {
    const first = await firstLeg(c.a);
    const r = await rpc(c.b, alice, 'tools/call', confirm(first, { action: 'decline' }));
    expect(r.body.result.content).toEqual([{ type: 'text', text: 'not confirmed (decline): deploy' }]);
  });
});

describe('the same tool in the 2025 era: real server-to-client requests on the stream', () => {
  const answerConfirm = (client: ClientV1, asked: string[]) =>
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      const m = req.params.message;
      const content: Record<string, string | boolean> = m.startsWith('Step 1')
        ? { name: 'Alice' }
        : m.startsWith('Step 2')
          ? { color: 'blue' }
          : { confirm: true };
      return { action: 'accept', content };
    });

  it('a 2025 session (SDK v1 Streamable HTTP), requests alternating A and B', async () => {
    const r = routed(c, (_m, n) => (n % 2 === 0 ? c.a : c.b));
    const client = new ClientV1({ name: 'v1-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    answerConfirm(client, asked);
    const transport = new TransportV1(new URL(c.a.mcp), {
      requestInit: { headers: { authorization: `Bearer ${alice}` } },
      fetch: r.fetch,
    });
    await client.connect(transport);
    try {
      expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      r.log.length = 0;
      const done = await client.callTool({ name: 'confirm_demo', arguments: { action: 'deploy' } });
      expect(done.content).toEqual([{ type: 'text', text: 'confirmed: deploy' }]);
      expect(asked).toEqual(['Do you want to deploy?']);
      // The call on one instance, the client's answer POSTed to the other.
      const posts = r.log.filter((l) => l.startsWith('POST'));
      expect(new Set(posts)).toEqual(new Set(['POST /mcp -> A', 'POST /mcp -> B']));

      // Two rounds in one call: the shim asks step 1, then step 2 (the sealed state carries step 1 between).
      asked.length = 0;
      const multi = await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
      expect(multi.content).toEqual([{ type: 'text', text: 'Alice likes blue' }]);
      expect(asked).toEqual(['Step 1: What is your name?', 'Step 2: What is your favorite color?']);
    } finally {
      await client.close();
    }
  });

  it('a 2025 session that did not declare elicitation gets an error result naming the capability, never a request', async () => {
    const client = new ClientV1({ name: 'v1-no-elicit', version: '1.0.0' });
    let asked = 0;
    const transport = new TransportV1(new URL(c.a.mcp), {
      requestInit: { headers: { authorization: `Bearer ${alice}` } },
    });
    await client.connect(transport);
    client.fallbackRequestHandler = async () => {
      asked++;
      return {};
    };
    try {
      const r = await client.callTool({ name: 'confirm_demo', arguments: { action: 'deploy' } });
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toMatch(/did not declare the required capability/);
      expect(asked).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('legacy SSE (SDK v1 SSEClientTransport): stream on A, every POST on B; sampling too', async () => {
    const r = routed(c, (method) => (method === 'GET' ? c.a : c.b));
    const client = new ClientV1(
      { name: 'v1-sse-elicit', version: '1.0.0' },
      { capabilities: { elicitation: {}, sampling: {} } },
    );
    const asked: string[] = [];
    answerConfirm(client, asked);
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'Paris' },
      model: 'e2e-model',
    }));
    const transport = new SSEClientTransport(new URL(`${c.a.origin}/sse`), {
      requestInit: { headers: { authorization: `Bearer ${alice}` } },
      eventSourceInit: { fetch: r.fetch },
      fetch: r.fetch,
    });
    await client.connect(transport);
    try {
      const done = await client.callTool({ name: 'confirm_demo', arguments: { action: 'deploy' } });
      expect(done.content).toEqual([{ type: 'text', text: 'confirmed: deploy' }]);
      expect(asked).toEqual(['Do you want to deploy?']);
      const sampled = await client.callTool({ name: 'sample_demo', arguments: { prompt: 'Capital of France?' } });
      expect(sampled.content).toEqual([{ type: 'text', text: 'Paris' }]);
    } finally {
      await client.close();
    }
    expect(r.log.filter((l) => l.startsWith('GET'))).toEqual(['GET /sse -> A']);
    expect(r.log.filter((l) => l.startsWith('POST')).every((l) => l.endsWith('-> B'))).toBe(true);
  });
});

describe('logging/setLevel in a 2025 session holds on every instance', () => {
  it('set on one instance, honoured by a call on the other; a session that set nothing gets every level', async () => {
    // Each request goes to the other instance than the one before.
    const r = routed(c, (_m, n) => (n % 2 === 0 ? c.a : c.b));
    const client = new ClientV1({ name: 'v1-levels', version: '1.0.0' });
    const levels: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      levels.push(n.params.level);
    });
    await client.connect(
      new TransportV1(new URL(c.a.mcp), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
        fetch: r.fetch,
      }),
    );
    try {
      await client.callTool({ name: 'test_logging_tool', arguments: {} });
      expect(levels).toEqual(['debug', 'info', 'error']);

      for (const [level, expected] of [
        ['error', ['error']],
        ['info', ['info', 'error']],
      ] as const) {
        levels.length = 0;
        r.log.length = 0;
        await client.setLoggingLevel(level);
        await client.callTool({ name: 'test_logging_tool', arguments: {} });
        expect(levels, level).toEqual(expected);
        const posts = r.log.filter((l) => l.startsWith('POST'));
        expect(new Set(posts.slice(-2)), 'setLevel and the call on different instances').toHaveProperty('size', 2);
      }
    } finally {
      await client.close();
    }
  });
});
