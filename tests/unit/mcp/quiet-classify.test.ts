// createMcpCore runs the synchronous part of the SDK's createMcpHandler fetch (content-type check, era
// classification) with Error.stackTraceLimit 0 (lib/mcp/endpoint.ts classifiesQuietly, issue #18). Generated
// requests (tools/calls with broken envelopes, mismatched Mcp-Method/Mcp-Name/protocol headers, batches, junk
// JSON) go through the real core: every Error the SDK reports to our log keeps its stack (the ladder's
// refusals are logged as {name, message} by design, param-headers.ts) and the limit is the same after every
// request. That answers do not change is tests/integration/mcp/answers-stable.test.ts's job.
import type { AuthInfo } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { classifiesQuietly, createMcpCore, type McpCore } from '../../../lib/mcp/endpoint.ts';
import { log } from '../../../lib/telemetry/index.ts';
import { tools } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp', AUDIT_SINK: 'off' });
const core = createMcpCore(cfg, { tools, insufficientScope: () => new Response(null, { status: 403 }) });
const authInfo: AuthInfo = toAuthInfo({ subject: 'a', clientId: 'c', scopes: ['mcp:tools'], expiresAt: 0, issuer: '' });
const hasFrames = (stack: string | undefined) => /\n\s+at /.test(stack ?? '');

const meta = fc.record(
  {
    'io.modelcontextprotocol/protocolVersion': fc.constantFrom('2026-07-28', '2026-07-28', '2025-06-18', 'bogus', 3),
    'io.modelcontextprotocol/clientInfo': fc.constantFrom(...Array(4).fill({ name: 'q', version: '1' }), 'bad'),
    'io.modelcontextprotocol/clientCapabilities': fc.constantFrom({}, {}, {}, {}, 4),
  },
  { requiredKeys: ['io.modelcontextprotocol/protocolVersion'] },
);
const message = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)),
    method: fc.constantFrom('tools/call', 'tools/list', 'ping', 'initialize', 'notifications/initialized', 'nope', 5),
    params: fc.record(
      {
        name: fc.constantFrom('echo', 'whoami', 'nope', 7),
        arguments: fc.oneof(fc.constant({ text: 'hi' }), fc.jsonValue({ maxDepth: 2 })),
        _meta: meta,
      },
      { requiredKeys: ['_meta'] },
    ),
  },
  { requiredKeys: ['jsonrpc', 'id', 'method', 'params'] },
);
const body = fc.oneof(
  { arbitrary: message, weight: 8 },
  { arbitrary: fc.array(message, { maxLength: 2 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);
const headers = fc.record(
  {
    'mcp-protocol-version': fc.constantFrom('2026-07-28', '2026-07-28', '2025-06-18', 'junk'),
    'mcp-method': fc.constantFrom('tools/call', 'tools/list', 'ping', 'other'),
    'mcp-name': fc.constantFrom('echo', 'whoami', 'other'),
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
  },
  { requiredKeys: ['content-type'] },
);

/** The headers a client derives from a single message, so most requests reach the SDK's later steps. */
function consistentHeaders(b: unknown): Record<string, string> {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return {};
  const m = b as { method?: unknown; params?: { name?: unknown; _meta?: Record<string, unknown> } };
  const version = m.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
  return {
    ...(typeof m.method === 'string' ? { 'mcp-method': m.method } : {}),
    ...(m.method === 'tools/call' && typeof m.params?.name === 'string' ? { 'mcp-name': m.params.name } : {}),
    ...(typeof version === 'string' ? { 'mcp-protocol-version': version } : {}),
  };
}

async function ask(which: McpCore, b: unknown, h: Record<string, string>) {
  const text = JSON.stringify(b);
  const request = new Request('http://127.0.0.1:3000/mcp', {
    method: 'POST',
    headers: { accept: 'application/json, text/event-stream', ...h },
    body: text,
  });
  const response = await which(request, authInfo, testContext({ bodyText: text }));
  return { status: response.status, body: await response.text() };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('classification with Error.stackTraceLimit 0', () => {
  it('keeps the stack of every error reported to the log and restores the limit', async () => {
    const reported: unknown[] = [];
    const record = (...args: unknown[]) => {
      for (const a of args) if (typeof a === 'object' && a !== null && 'error' in a) reported.push(a.error);
    };
    vi.spyOn(log, 'warn').mockImplementation(record as never);
    vi.spyOn(log, 'error').mockImplementation(record as never);
    const limit = Error.stackTraceLimit;
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(body, headers, fc.boolean(), async (b, h, derived) => {
        reported.length = 0;
        const quiet = await ask(core, b, derived ? { ...h, ...consistentHeaders(b) } : h);
        expect(Error.stackTraceLimit).toBe(limit);
        for (const e of reported) {
          if (e instanceof Error) {
            errors++;
            expect(hasFrames(e.stack), `${e.name}: ${e.message}`).toBe(true);
          }
        }
        expect(quiet.status).toBeGreaterThanOrEqual(200);
      }),
      { numRuns: 300 },
    );
    // The generator reaches the SDK's reported errors (unsupported versions, made after the window).
    expect(errors).toBeGreaterThan(2);
  });

  it('opens the window only where the SDK would not answer 415', () => {
    const post = (type?: string) =>
      new Request('http://x/mcp', { method: 'POST', headers: type ? { 'content-type': type } : {}, body: '{}' });
    expect(classifiesQuietly(post('application/json'))).toBe(true);
    expect(classifiesQuietly(post('application/json; charset=utf-8'))).toBe(true);
    expect(classifiesQuietly(post('text/plain'))).toBe(false);
    expect(classifiesQuietly(post())).toBe(false);
    expect(classifiesQuietly(new Request('http://x/mcp'))).toBe(true);
  });
});
