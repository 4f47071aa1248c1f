// Conformance fixtures for the tasks extension (SEP-2663) of @modelcontextprotocol/conformance
// 0.2.0-alpha.12: the tool names, arguments and texts its `tasks-*` scenarios expect. Ordinary
// ToolDefinitions declaring `task`; each becomes a task at its first ctx.step/ctx.sleep.
import type { ElicitRequestFormParams } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { defineTool, type ToolDefinition, type ToolResult } from '../types.ts';

const text = (t: string, isError = false): ToolResult => ({
  content: [{ type: 'text', text: t }],
  ...(isError ? { isError: true } : {}),
});

const confirmForm = (message: string): ElicitRequestFormParams => ({
  message,
  requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
});

/** The task fixtures (registered through the server's tool wrapper, and served by the local workers). */
export const TASK_FIXTURE_TOOLS: readonly ToolDefinition[] = [
  defineTool({
    name: 'greet',
    description: 'Sync-only: returns Hello, {name}!',
    inputSchema: z.object({ name: z.string() }),
    async handler({ name }) {
      return text(`Hello, ${name}!`);
    },
  }),
  defineTool({
    name: 'slow_compute',
    description: 'Task-supporting: sleeps `seconds` seconds, then answers.',
    inputSchema: z.object({ seconds: z.number().min(0).max(3600), label: z.string().max(200).optional() }),
    task: 'optional',
    async handler({ seconds, label }, ctx) {
      await ctx.sleep(seconds * 1000, 'compute');
      return text(`computed ${label ?? ''} after ${seconds}s`);
    },
  }),
  defineTool({
    name: 'failing_job',
    description: 'Task-required: reports a tool execution error after about a second.',
    inputSchema: z.object({}),
    task: 'required',
    async handler(_args, ctx) {
      await ctx.sleep(1000, 'work');
      return text('the job failed', true);
    },
  }),
  defineTool({
    name: 'protocol_error_job',
    description: 'Task-supporting: fails with a protocol-level error.',
    inputSchema: z.object({}),
    task: 'optional',
    async handler(_args, ctx) {
      await ctx.sleep(300, 'work');
      throw new Error('protocol_error_job always fails');
    },
  }),
  defineTool({
    name: 'confirm_delete',
    description: 'Task-supporting: asks for a confirmation (elicitation), then answers.',
    inputSchema: z.object({ filename: z.string().max(500) }),
    task: 'optional',
    async handler({ filename }, ctx) {
      await ctx.step('prepare', async () => filename.length);
      const answer = await ctx.elicit(confirmForm(`Delete ${filename}?`), { key: 'confirm_delete' });
      const yes = answer.action === 'accept' && answer.content?.confirm === true;
      return text(yes ? `deleted ${filename}` : `kept ${filename}`);
    },
  }),
  defineTool({
    name: 'multi_input',
    description: 'Task-supporting: asks two questions at once.',
    inputSchema: z.object({}),
    task: 'optional',
    async handler(_args, ctx) {
      await ctx.step('prepare', async () => 1);
      const [a, b] = await Promise.all([
        ctx.elicit(confirmForm('First question'), { key: 'first' }),
        ctx.elicit(confirmForm('Second question'), { key: 'second' }),
      ]);
      return text(`answers: ${a.action}, ${b.action}`);
    },
  }),
  defineTool({
    name: 'test_tool_with_task',
    description: 'Task-required: asks for user_name (input-required round), then continues as a task.',
    inputSchema: z.object({}),
    task: 'required',
    async handler(_args, ctx) {
      const answer = await ctx.elicit(
        {
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
        { key: 'user_name' },
      );
      const name = String(answer.content?.name ?? 'stranger');
      await ctx.step('greet', async () => name);
      return text(`Hello, ${name}!`);
    },
  }),
];

export const TASK_FIXTURE_NAMES: readonly string[] = TASK_FIXTURE_TOOLS.map((t) => t.name);
