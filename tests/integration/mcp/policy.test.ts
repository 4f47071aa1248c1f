// Cedar policies (issue #20) through the real /mcp and legacy SSE apps in-process: real JWT verification
// against a test issuer on loopback (tokens carry tenant/groups claims), the real Cedar engine, the example
// policies (policies/examples/, what POLICIES_DIR=policies/examples builds in). Denials over each era,
// list filtering, step-up and the audit record's decision fields.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { createSseApp } from '../../../lib/apps/sse.ts';
import { loadConfig } from '../../../lib/config.ts';
import type { ToolCatalogue } from '../../../lib/tools/index.ts';
import type { WebHandler } from '../../../lib/web-handler.ts';
import { readPolicySource } from '../../../scripts/policies.ts';
import { testContext } from '../../support/context.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const URL_ = 'http://127.0.0.1:3000/mcp';
// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC frames are checked by the assertions.
type Frame = Record<string, any>;

let issuer: TestIssuer;
let mcp: WebHandler;
let sse: WebHandler;
let acme: string; // tenant acme, no groups, mcp:tools
let noTenant: string;
const audit: Frame[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  const catalogue: ToolCatalogue = {
    tools: toolManifest,
    load: async () => [],
    policies: readPolicySource(ROOT, path.join(ROOT, 'policies', 'examples')),
  };
  // With the catalogue, as functions/mcp.ts: the PRM's scopes (step-up candidates) include mcp:admin.
  const env = { AUTH_ISSUER: issuer.issuer, AUTH_JWKS_URL: issuer.jwksUrl, MCP_PUBLIC_URL: URL_ };
  const cfg = loadConfig(env, catalogue);
  mcp = createMcpApp(cfg, {}, catalogue);
  sse = createSseApp(cfg, catalogue);
  acme = await issuer.token({ audience: URL_, sub: 'alice', claims: { tenant: 'acme' } });
  noTenant = await issuer.token({ audience: URL_, sub: 'bob' });
  // The audit records (stdout sink), parsed; other lines are ignored.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    for (const line of String(chunk).split('\n')) {
      if (line.startsWith('{') && line.includes('"message":"audit"')) audit.push(JSON.parse(line));
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await issuer?.stop();
});

function framesOf(text: string): Frame[] {
  if (text.startsWith('{') || text.startsWith('[')) return [JSON.parse(text)].flat();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)));
}

let nextId = 100;
/** One 2026-07-28 request (stateless, capabilities in _meta). */
async function modern(token: string, method: string, params: Frame) {
  const id = nextId++;
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const r = await mcp(
    new Request(URL_, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(params.name ? { 'mcp-name': String(params.name) } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }),
    }),
    testContext(),
  );
  const text = await r.text();
  return {
    status: r.status,
    headers: r.headers,
    frames: framesOf(text),
    body: framesOf(text).find((f) => f.id === id),
  };
}

/** A 2025-11-25 session: initialize, then one request on it. */
async function legacyCall(token: string, method: string, params: Frame) {
  const headers = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  });
  const init = await mcp(
    new Request(URL_, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'policy-test', version: '1' } },
      }),
    }),
    testContext(),
  );
  await init.text();
  const session = init.headers.get('mcp-session-id')!;
  expect(session).toBeTruthy();
  const more = headers({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  await (
    await mcp(
      new Request(URL_, {
        method: 'POST',
        headers: more,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      }),
      testContext(),
    )
  ).text();
  const id = nextId++;
  const r = await mcp(
    new Request(URL_, { method: 'POST', headers: more, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) }),
    testContext(),
  );
  const text = await r.text();
  return { status: r.status, body: framesOf(text).find((f) => f.id === id) };
}

/** Legacy HTTP+SSE: GET /sse, POST initialize and the call to /messages/, read the answer off the stream. */
async function sseCall(token: string, method: string, params: Frame, expectAccepted = true): Promise<Frame> {
  const auth = { authorization: `Bearer ${token}` };
  const stream = await sse(
    new Request('http://127.0.0.1:3000/sse', { headers: { ...auth, accept: 'text/event-stream' } }),
    testContext(),
  );
  expect(stream.status).toBe(200);
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const until = async (test: (b: string) => boolean) => {
    while (!test(buffer)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  };
  await until((b) => b.includes('event: endpoint'));
  const endpoint = /data: (\S+)/.exec(buffer)![1]!;
  const post = async (body: Frame, accepted = true) => {
    const r = await sse(
      new Request(`http://127.0.0.1:3000${endpoint}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      testContext(),
    );
    if (accepted) expect(r.status).toBe(202);
    return r;
  };
  await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'sse-policy', version: '1' } },
  });
  await until((b) => b.includes('"id":0'));
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const id = nextId++;
  const last = await post({ jsonrpc: '2.0', id, method, params }, expectAccepted);
  if (last.status !== 202) {
    await reader.cancel();
    return { status: last.status, challenge: last.headers.get('www-authenticate') };
  }
  await until((b) => b.includes(`"id":${id}`));
  await reader.cancel();
  return framesOf(buffer).find((f) => f.id === id)!;
}

const DENIED_TENANT = 'Denied by policy: transfers are limited to your own tenant';

async function recordFor(rpcId: number): Promise<Frame> {
  await vi.waitFor(() => expect(audit.some((r) => r.rpcId === rpcId && r.kind === 'request')).toBe(true));
  return audit.find((r) => r.rpcId === rpcId && r.kind === 'request')!;
}

describe('Cedar policies over every era', () => {
  it('2026-07-28: another tenant is denied with the author reason (isError), the audit names the policy', async () => {
    const r = await modern(acme, 'tools/call', { name: 'transfer_demo', arguments: { amount: 5, tenant: 'globex' } });
    expect(r.status).toBe(200);
    expect(r.body?.result).toMatchObject({ content: [{ type: 'text', text: DENIED_TENANT }], isError: true });
    expect(JSON.stringify(r.body)).not.toContain('forbid');
    const rec = await recordFor(r.body!.id);
    expect(rec).toMatchObject({
      outcome: 'denied',
      decision: 'deny',
      policies: ['own-tenant-only'],
      error: 'policy_denied',
      tool: 'transfer_demo',
    });
  });

  it('2026-07-28: the own tenant runs the tool; the record says allow and the permit', async () => {
    const r = await modern(acme, 'tools/call', { name: 'transfer_demo', arguments: { amount: 5, tenant: 'acme' } });
    expect(r.body?.result.content[0].text).toBe('transferred 5 for acme (demo: nothing moved)');
    expect(await recordFor(r.body!.id)).toMatchObject({ outcome: 'ok', decision: 'allow', policies: ['permit-tools'] });
  });

  it('2026-07-28: "10000" as a string never reaches the policies (schema refusal, tool not run)', async () => {
    const r = await modern(acme, 'tools/call', {
      name: 'transfer_demo',
      arguments: { amount: '20000', tenant: 'acme' },
    });
    const text = JSON.stringify(r.body);
    expect(text).not.toContain('transferred');
    expect(text).not.toContain('Denied by policy');
    expect(r.body?.error ?? r.body?.result?.isError).toBeTruthy();
  });

  it('2025-11-25 session: the same denial', async () => {
    const r = await legacyCall(acme, 'tools/call', {
      name: 'transfer_demo',
      arguments: { amount: 5, tenant: 'аcme' }, // Cyrillic а
    });
    expect(r.body?.result).toMatchObject({ content: [{ type: 'text', text: DENIED_TENANT }], isError: true });
    expect(await recordFor(r.body!.id)).toMatchObject({ decision: 'deny', policies: ['own-tenant-only'] });
  });

  it('legacy SSE (/messages/): the same denial arrives on the stream', async () => {
    const answer = await sseCall(acme, 'tools/call', {
      name: 'transfer_demo',
      arguments: { amount: 50_000, tenant: 'acme' },
    });
    expect(answer.result).toMatchObject({
      content: [{ type: 'text', text: 'Denied by policy: a transfer above 10000 needs the finance-approver group' }],
      isError: true,
    });
  });

  it('step-up: a deny that mcp:admin would turn is a 403 insufficient_scope naming it, before any tool runs', async () => {
    const approver = await issuer.token({
      audience: URL_,
      sub: 'carol',
      claims: { tenant: 'acme', groups: ['finance-approver'] },
    });
    const r = await modern(approver, 'tools/call', {
      name: 'transfer_demo',
      arguments: { amount: 2_000_000, tenant: 'acme' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    const challenge = r.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:admin"');
    expect(await recordFor(nextId - 1)).toMatchObject({
      outcome: 'denied',
      httpStatus: 403,
      decision: 'deny',
      policies: ['huge-transfer-needs-admin-scope'],
      error: 'policy_step_up',
    });
    // Legacy SSE: the POST to /messages/ is answered 403 instead of 202.
    const legacy = await sseCall(
      approver,
      'tools/call',
      { name: 'transfer_demo', arguments: { amount: 2_000_000, tenant: 'acme' } },
      false,
    );
    expect(legacy.status).toBe(403);
    expect(legacy.challenge).toContain('scope="mcp:admin"');
    const ok = await modern(approver, 'tools/call', {
      name: 'transfer_demo',
      arguments: { amount: 20_000, tenant: 'acme' },
    });
    expect(ok.body?.result.content[0].text).toBe('transferred 20000 for acme (demo: nothing moved)');
  });
});

describe('tools/list shows only what the caller could call at all', () => {
  it('transfer_demo is listed for a caller with a tenant and hidden without one (both eras, SSE)', async () => {
    const names = (r: Frame | undefined) => ((r?.result?.tools ?? []) as Frame[]).map((t) => t.name);
    const listed = (await modern(acme, 'tools/list', {})).body;
    expect(names(listed)).toContain('transfer_demo');
    const transfer = ((listed?.result?.tools ?? []) as Frame[]).find((t) => t.name === 'transfer_demo');
    expect(transfer?.annotations).toEqual({ destructiveHint: true, idempotentHint: false, openWorldHint: false });
    const hidden = names((await modern(noTenant, 'tools/list', {})).body);
    expect(hidden).not.toContain('transfer_demo');
    expect(hidden).toEqual(expect.arrayContaining(['echo', 'whoami']));
    expect(names((await legacyCall(noTenant, 'tools/list', {})).body)).not.toContain('transfer_demo');
    expect(names(await sseCall(noTenant, 'tools/list', {}))).not.toContain('transfer_demo');
  });
});
