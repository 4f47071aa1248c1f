// lib/mcp/stackless.ts: the SdkError the SDK builds when a per-request server closes is made without a
// stack only when every call it can reach was already answered. Checked: the global limit is restored (also
// when the wrapped call throws), errors tool code makes keep their stacks, the post-answer abort reason is
// the SDK's ConnectionClosed error, and a close that cuts off an unanswered call hands it a full stack.
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { createMcpCore, createServerFactory } from '../../../lib/mcp/index.ts';
import { answeredId, onlyAnsweredPending, withoutStackTraces } from '../../../lib/mcp/stackless.ts';
import { defineTool, type ToolDefinition } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const hasFrames = (stack: string | undefined) => /\n\s+at /.test(stack ?? '');

describe('withoutStackTraces', () => {
  const initial = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = initial;
  });

  it('makes errors without frames inside and restores the limit after', () => {
    Error.stackTraceLimit = 7;
    const inside = withoutStackTraces(() => new Error('inside'));
    expect(Error.stackTraceLimit).toBe(7);
    expect(hasFrames(inside.stack)).toBe(false);
    expect(inside.stack).toBe('Error: inside');
    expect(hasFrames(new Error('after').stack)).toBe(true);
  });

  it('restores the limit when the wrapped call throws, and the thrown error is the caller’s to see', () => {
    Error.stackTraceLimit = 9;
    const thrown = new Error('made outside');
    expect(() =>
      withoutStackTraces(() => {
        throw thrown;
      }),
    ).toThrow(thrown);
    expect(Error.stackTraceLimit).toBe(9);
    expect(hasFrames(thrown.stack)).toBe(true);
  });

  it('restores an unusual limit (Infinity) as it was', () => {
    Error.stackTraceLimit = Number.POSITIVE_INFINITY;
    withoutStackTraces(() => 1);
    expect(Error.stackTraceLimit).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('onlyAnsweredPending', () => {
  const protocol = (responses: Map<unknown, unknown>, requests: Map<unknown, unknown>) => ({
    _responseHandlers: responses,
    _requestHandlerAbortControllers: requests,
  });
  it('is true only when no outbound request waits and every tracked inbound request was answered', () => {
    expect(onlyAnsweredPending(protocol(new Map(), new Map()), new Set())).toBe(true);
    expect(onlyAnsweredPending(protocol(new Map(), new Map([[1, {}]])), new Set([1]))).toBe(true);
    expect(onlyAnsweredPending(protocol(new Map(), new Map([[1, {}]])), new Set(['1']))).toBe(false);
    expect(onlyAnsweredPending(protocol(new Map([[0, {}]]), new Map()), new Set())).toBe(false);
    expect(onlyAnsweredPending(protocol(new Map(), new Map([['a', {}]])), new Set([1]))).toBe(false);
  });
  it('fails safe when the SDK fields are not there (an SDK update)', () => {
    expect(onlyAnsweredPending({}, new Set())).toBe(false);
    expect(onlyAnsweredPending({ _responseHandlers: {}, _requestHandlerAbortControllers: new Map() }, new Set())).toBe(
      false,
    );
  });
  it('answeredId names responses only', () => {
    expect(answeredId({ jsonrpc: '2.0', id: 3, result: {} })).toBe(3);
    expect(answeredId({ jsonrpc: '2.0', id: 'x', error: { code: 1, message: 'm' } })).toBe('x');
    expect(answeredId({ jsonrpc: '2.0', id: 3, method: 'ping' })).toBeUndefined();
    expect(answeredId({ jsonrpc: '2.0', method: 'notifications/progress', params: {} })).toBeUndefined();
    expect(answeredId({ jsonrpc: '2.0', id: null, error: {} })).toBeUndefined();
    expect(answeredId(null)).toBeUndefined();
  });
});

describe('closing per-request servers through the /mcp core', () => {
  const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp', AUDIT_SINK: 'off' });
  const authInfo: AuthInfo = toAuthInfo({
    subject: 'a',
    clientId: 'c',
    scopes: ['mcp:tools'],
    expiresAt: 0,
    issuer: '',
  });
  const seen: { toolStack?: string; thrownStack?: string; reason?: unknown; rawReason?: unknown } = {};
  const probe = defineTool({
    name: 'probe',
    description: 'Records what a tool sees.',
    inputSchema: z.object({ fail: z.boolean().optional() }),
    async handler({ fail }, { signal }) {
      seen.toolStack = new Error('made by the tool').stack;
      signal.addEventListener('abort', () => {
        seen.reason = signal.reason;
      });
      if (fail) {
        const err = new Error('tool failed');
        seen.thrownStack = err.stack;
        throw err;
      }
      return { content: [{ type: 'text', text: 'ok' }] };
    },
  }) as unknown as ToolDefinition;
  let started: () => void = () => {};
  // Registered raw (extras) to see the SDK's own per-request signal, which the client's abort does not reach first.
  const extras = (server: Parameters<NonNullable<Parameters<typeof createServerFactory>[1]>>[0]) => {
    server.registerTool('hang', { inputSchema: z.object({}) }, async (_args: unknown, ctx: ServerContext) => {
      ctx.mcpReq.signal.addEventListener('abort', () => {
        seen.rawReason = ctx.mcpReq.signal.reason;
      });
      started();
      await new Promise((resolve) => ctx.mcpReq.signal.addEventListener('abort', resolve));
      return { content: [] };
    });
  };
  const tools = [probe];
  const core = createMcpCore(cfg, {
    tools,
    insufficientScope: () => new Response(null, { status: 403 }),
    factory: createServerFactory(tools, extras),
  });
  const META = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'stackless', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const call = (name: string, args: unknown, signal?: AbortSignal) => {
    const text = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args, _meta: META },
    });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    };
    const request = new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers, body: text, signal });
    return core(request, authInfo, testContext({ bodyText: text }));
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('keeps tool stacks, restores the limit, and gives the finished call the SDK close error', async () => {
    const limit = Error.stackTraceLimit;
    const response = await call('probe', {});
    expect(await response.text()).toContain('"text":"ok"');
    await settle();
    expect(Error.stackTraceLimit).toBe(limit);
    expect(hasFrames(seen.toolStack)).toBe(true);
    // After the answer went out the server closed: its close error reached the finished call, frameless.
    expect(seen.reason).toBeInstanceOf(SdkError);
    expect((seen.reason as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    expect(hasFrames((seen.reason as Error).stack)).toBe(false);
  });

  it('keeps the stack of an error a tool throws', async () => {
    const response = await call('probe', { fail: true });
    expect(await response.text()).toContain('tool failed');
    await settle();
    expect(hasFrames(seen.thrownStack)).toBe(true);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });

  it('hands a call cut off before its answer a close error with its stack', async () => {
    const client = new AbortController();
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const answer = call('hang', {}, client.signal);
    await running;
    client.abort();
    const response = await answer;
    await response.text().catch(() => '');
    await settle();
    expect(seen.rawReason).toBeInstanceOf(SdkError);
    expect(hasFrames((seen.rawReason as Error).stack)).toBe(true);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });
});
