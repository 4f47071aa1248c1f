// The -32021 pre-dispatch refusal for task-required tools (lib/mcp/tasks/gate.ts): hostile shapes first.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { refusedTaskCall, taskRequiredResponse } from '../../../lib/mcp/tasks/index.ts';
import { defineTool } from '../../../lib/tools/index.ts';

const tool = (name: string, task?: 'optional' | 'required') =>
  defineTool({
    name,
    description: name,
    inputSchema: z.object({}),
    ...(task ? { task } : {}),
    handler: async () => ({ content: [] }),
  });
const tools = [tool('must', 'required'), tool('may', 'optional'), tool('plain')];
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const call = (name: unknown, meta?: unknown, id: unknown = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...(meta === undefined ? {} : { _meta: meta }) },
});

describe('task-required gate', () => {
  it('ignores prototype names, non-objects and tools that do not require a task', () => {
    for (const body of [
      call('__proto__'),
      call('constructor'),
      call('toString'),
      call(42),
      null,
      'x',
      [],
      call('may'),
      call('plain'),
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { name: 'must' } },
    ]) {
      expect(refusedTaskCall(body, tools)).toBeUndefined();
    }
  });

  it('refuses a required tool unless the request declares the extension in its own _meta', () => {
    expect(refusedTaskCall(call('must'), tools)).toEqual({ id: 1 });
    expect(refusedTaskCall(call('must', { [CAPS]: {} }), tools)).toEqual({ id: 1 });
    expect(refusedTaskCall(call('must', { [CAPS]: { extensions: {} } }), tools)).toEqual({ id: 1 });
    // An inherited key is not a declaration.
    const inherited = Object.create({ 'io.modelcontextprotocol/tasks': {} });
    expect(refusedTaskCall(call('must', { [CAPS]: { extensions: inherited } }), tools)).toEqual({ id: 1 });
    expect(
      refusedTaskCall(call('must', { [CAPS]: { extensions: { 'io.modelcontextprotocol/tasks': {} } } }), tools),
    ).toBeUndefined();
    // Batches: the refused call's id.
    expect(refusedTaskCall([call('may', undefined, 1), call('must', undefined, 'b')], tools)).toEqual({ id: 'b' });
  });

  it('answers HTTP 400 with -32021 naming the extension', async () => {
    const r = taskRequiredResponse(7);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { id: number; error: { code: number; data: unknown } };
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32021);
    expect(body.error.data).toEqual({ requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
  });
});
