// The tool wrapper around ctx.elicit/sample/listRoots, in-process with the real SDK handler at
// 2026-07-28: a tool that swallows the pending ask, one that never awaits it, asks started together,
// re-runs with recorded answers, and a state minted for one tool refused by another.
import { type AuthInfo, createMcpHandler } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { createServerFactory } from '../../../lib/mcp/server.ts';
import { defineTool, type ToolDefinition } from '../../../lib/tools/index.ts';

const authOf = (subject: string): AuthInfo =>
  toAuthInfo({ subject, clientId: 'c', scopes: ['mcp:tools'], expiresAt: 0, issuer: '' });

let runs = 0;
const tools = [
  defineTool({
    name: 'swallow',
    description: 'catches the pending ask and answers as if nothing happened',
    inputSchema: z.object({}),
    async handler(_a, { elicit }) {
      try {
        await elicit({ message: 'm', requestedSchema: { type: 'object', properties: {} } }, { key: 'k' });
      } catch {
        // a careless tool
      }
      return { content: [{ type: 'text', text: 'done anyway' }] };
    },
  }),
  defineTool({
    name: 'forget',
    description: 'asks without awaiting',
    inputSchema: z.object({}),
    async handler(_a, { listRoots }) {
      void listRoots({ key: 'roots' });
      return { content: [{ type: 'text', text: 'returned' }] };
    },
  }),
  defineTool({
    name: 'together',
    description: 'three asks at once, then one more',
    inputSchema: z.object({ n: z.number() }),
    async handler({ n }, { elicit, sample, listRoots }) {
      runs++;
      const form = { message: 'name?', requestedSchema: { type: 'object' as const, properties: {} } };
      const [a, , roots] = await Promise.all([
        elicit(form, { key: 'a' }),
        sample({ messages: [], maxTokens: 1 }, { key: 'b' }),
        listRoots({ key: 'c' }),
      ]);
      const last = await elicit(form, { key: 'd' });
      return { content: [{ type: 'text', text: `${n} ${a.action} ${roots.length} ${last.action}` }] };
    },
  }),
] as unknown as ToolDefinition[];

const handler = createMcpHandler(createServerFactory(tools), { legacy: 'reject' });

let id = 1;
async function call(subject: string, name: string, params: Record<string, unknown> = {}) {
  const body = {
    jsonrpc: '2.0',
    id: id++,
    method: 'tools/call',
    params: {
      name,
      arguments: {},
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, sampling: {}, roots: {} },
      },
    },
  };
  const request = new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify(body),
  });
  const r = await handler.fetch(request, { authInfo: authOf(subject) });
  const text = await r.text();
  const json = text.startsWith('{') ? JSON.parse(text) : JSON.parse(text.split('data: ').at(-1)!);
  return json as {
    result?: { requestState?: string; inputRequests?: Record<string, unknown>; content?: unknown };
    error?: { code: number };
  };
}

const ANSWERS = {
  a: { action: 'accept', content: { name: 'x' } },
  b: { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' },
  c: { roots: [{ uri: 'file:///r' }] },
};

describe('the ask wrapper at 2026-07-28', () => {
  it('a tool that catches the pending ask still ends the round with input_required', async () => {
    const r = await call('alice', 'swallow');
    expect(r.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { k: { method: 'elicitation/create' } },
    });
    expect(typeof r.result?.requestState).toBe('string');
  });

  it('an ask never awaited neither crashes the process nor completes the call', async () => {
    const r = await call('alice', 'forget');
    expect(r.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { roots: { method: 'roots/list' } },
    });
  });

  it('asks started together go out in one round; the retry re-runs the handler and asks the next one', async () => {
    runs = 0;
    const first = await call('alice', 'together', { arguments: { n: 1 } });
    expect(Object.keys(first.result?.inputRequests ?? {})).toEqual(['a', 'b', 'c']);
    const second = await call('alice', 'together', {
      arguments: { n: 1 },
      inputResponses: ANSWERS,
      requestState: first.result?.requestState,
    });
    expect(Object.keys(second.result?.inputRequests ?? {})).toEqual(['d']);
    // Round 3 gets only d's answer: a, b and c come from the state B minted.
    const third = await call('alice', 'together', {
      arguments: { n: 1 },
      inputResponses: { d: { action: 'decline' } },
      requestState: second.result?.requestState,
    });
    expect(third.result?.content).toEqual([{ type: 'text', text: '1 accept 1 decline' }]);
    expect(runs).toBe(3);
  });

  it('a state minted for one tool, caller or argument set is refused with -32602 for another', async () => {
    const first = await call('alice', 'together', { arguments: { n: 1 } });
    const state = first.result?.requestState;
    const retry = (subject: string, name: string, n: number) =>
      call(subject, name, {
        arguments: name === 'together' ? { n } : {},
        inputResponses: ANSWERS,
        requestState: state,
      });
    expect((await retry('alice', 'swallow', 1)).error?.code).toBe(-32602);
    expect((await retry('mallory', 'together', 1)).error?.code).toBe(-32602);
    expect((await retry('alice', 'together', 2)).error?.code).toBe(-32602);
    expect((await retry('alice', 'together', 1)).result?.inputRequests).toHaveProperty('d');
  });
});
