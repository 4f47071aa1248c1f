// The Lambda task worker (lib/mcp/tasks/durable.ts) under the durable execution SDK's own local runner
// (@aws/durable-execution-sdk-js-testing: its simulated checkpoint backend replays the handler as Lambda
// would; time skipping stands in for real waits). Only Lambda is emulated: the engine and the memory task
// store are the real ones.
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDurableTask } from '../../../lib/mcp/tasks/durable.ts';
import { createTaskEngine, type TaskEngine } from '../../../lib/mcp/tasks/index.ts';
import { createMemoryTaskStore } from '../../../lib/tasks/index.ts';
import { defineTool, type ToolDefinition } from '../../../lib/tools/index.ts';

const alice = { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'] };

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

function worker(tools: ToolDefinition[]) {
  const engine: TaskEngine = createTaskEngine({ store: createMemoryTaskStore(), ttlMs: 60_000, leaseMs: 1000 });
  engine.setLauncher(async () => {}); // the test starts the execution itself
  const handler = withDurableExecution(async (event: { taskId: string }, context) =>
    runDurableTask(
      { engine, tools: new Map(tools.map((t) => [t.name, t])), maxRunMs: 3_600_000 },
      event.taskId,
      context,
    ),
  );
  return { engine, runner: new LocalDurableTestRunner({ handlerFunction: handler }) };
}

describe('durable task worker (SDK local runner)', () => {
  it('steps run once across replays, waits are durable waits, the task completes', async () => {
    const runs: string[] = [];
    const tool = defineTool({
      name: 'long',
      description: 'two steps around a wait',
      inputSchema: z.object({}),
      task: 'optional',
      async handler(_a, ctx) {
        const a = await ctx.step('a', async () => {
          runs.push('a');
          return 1;
        });
        await ctx.sleep(30_000, 'pause');
        const b = await ctx.step('b', async () => {
          runs.push('b');
          return a + 1;
        });
        return { content: [{ type: 'text', text: `sum ${a + b}` }] };
      },
    });
    const { engine, runner } = worker([tool]);
    const task = await engine.create(alice, 'long', {}, {});
    const execution = await runner.run({ payload: { taskId: task.taskId } });
    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(execution.getResult()).toEqual('completed');
    expect(runs).toEqual(['a', 'b']);
    const waitOp = runner.getOperation('2-wait-pause');
    expect(waitOp.getWaitDetails()?.waitSeconds).toBe(30);
    const done = await engine.read(alice, task.taskId);
    expect(done?.status).toBe('completed');
    expect(done?.result).toMatchObject({ content: [{ text: 'sum 3' }] });
  });

  it('an ask parks the task on a durable callback; the answer resumes it', async () => {
    const tool = defineTool({
      name: 'asker',
      description: 'asks once',
      inputSchema: z.object({}),
      task: 'optional',
      async handler(_a, ctx) {
        await ctx.step('prepare', async () => 1);
        const answer = await ctx.elicit(
          { message: 'ok?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
          { key: 'ok' },
        );
        return { content: [{ type: 'text', text: `answer ${answer.action} ${String(answer.content?.ok)}` }] };
      },
    });
    const { engine, runner } = worker([tool]);
    const task = await engine.create(alice, 'asker', {}, {});
    const running = runner.run({ payload: { taskId: task.taskId } });
    const callback = runner.getOperation('2-ask-ok');
    await callback.waitForData(WaitingOperationStatus.SUBMITTED);
    const parked = await engine.read(alice, task.taskId);
    expect(parked?.status).toBe('input_required');
    expect(Object.keys(parked?.inputRequests ?? {})).toEqual(['ok']);
    expect(typeof parked?.callbacks?.ok).toBe('string');
    await callback.sendCallbackSuccess(JSON.stringify({ action: 'accept', content: { ok: true } }));
    const execution = await running;
    expect(execution.getStatus()).toBe('SUCCEEDED');
    const done = await engine.read(alice, task.taskId);
    expect(done?.status).toBe('completed');
    expect(done?.result).toMatchObject({ content: [{ text: 'answer accept true' }] });
  });
});
