// The task engine and its in-process worker over the memory store: owner checks and prototype-safe answers
// first, then replay (a finished step never runs twice), input mid-task, cancel, lost worker, timeout.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTaskEngine, localWorkers, type TaskEngine, type TaskEvent } from '../../../lib/mcp/tasks/index.ts';
import { createMemoryTaskStore, detailedTask } from '../../../lib/tasks/index.ts';
import { defineTool, type ToolDefinition } from '../../../lib/tools/index.ts';

const alice = { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'] };
const mallory = { subject: 'mallory', clientId: 'app', scopes: ['mcp:tools'] };

function setup(tools: ToolDefinition[], opts: { leaseMs?: number; maxRunMs?: number } = {}) {
  const events: TaskEvent[] = [];
  let workers: ReturnType<typeof localWorkers> | undefined;
  const engine: TaskEngine = createTaskEngine({
    store: createMemoryTaskStore(),
    ttlMs: 60_000,
    leaseMs: opts.leaseMs ?? 600,
    audit: (e) => events.push(e),
    onStatus: (r) => workers?.onStatus(r),
  });
  workers = localWorkers({ engine, tools: new Map(tools.map((t) => [t.name, t])), maxRunMs: opts.maxRunMs ?? 60_000 });
  engine.setLauncher(workers.launch);
  return { engine, workers, events };
}

const counted = () => {
  const runs = { step: 0 };
  const tool = defineTool({
    name: 'asker',
    description: 'a step, then an ask, then done',
    inputSchema: z.object({}),
    task: 'optional',
    async handler(_a, ctx) {
      const n = await ctx.step('count', async () => ++runs.step);
      const answer = await ctx.elicit(
        { message: 'ok?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
        { key: 'ok' },
      );
      return { content: [{ type: 'text', text: `step ${n}, ${answer.action}` }] };
    },
  });
  return { runs, tool };
};

describe('task engine', () => {
  it('another subject reads, answers and cancels nothing: the unknown-task answer', async () => {
    const { tool } = counted();
    const { engine, workers } = setup([tool]);
    const r = await engine.create(alice, 'asker', {}, {});
    expect(await engine.read(mallory, r.taskId)).toBeUndefined();
    expect(await engine.answer(mallory, r.taskId, { ok: { action: 'accept' } })).toBe(false);
    expect(await engine.cancel(mallory, r.taskId)).toBe(false);
    expect(await engine.read(alice, 'no-such-task')).toBeUndefined();
    await workers.idle();
    expect((await engine.read(alice, r.taskId))?.status).toBe('input_required');
  });

  it('answers are read for pending keys only (prototype keys and strangers ignored)', async () => {
    const { tool } = counted();
    const { engine, workers } = setup([tool]);
    const r = await engine.create(alice, 'asker', {}, {});
    await workers.idle();
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":1,"other":2}');
    expect(await engine.answer(alice, r.taskId, hostile)).toBe(true);
    const still = await engine.read(alice, r.taskId);
    expect(still?.status).toBe('input_required');
    expect(Object.keys(still?.answers ?? {})).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('input mid-task: input_required with the ask, then resumes by replay; the step ran once', async () => {
    const { runs, tool } = counted();
    const { engine, workers, events } = setup([tool]);
    const r = await engine.create(alice, 'asker', {}, {});
    await workers.idle();
    const parked = await engine.read(alice, r.taskId);
    expect(parked?.status).toBe('input_required');
    expect(Object.keys(detailedTask(parked!).inputRequests as object)).toEqual(['ok']);
    await engine.answer(alice, r.taskId, { ok: { action: 'accept', content: { ok: true } } });
    await workers.idle();
    const done = await engine.read(alice, r.taskId);
    expect(done?.status).toBe('completed');
    expect(done?.result).toMatchObject({ content: [{ text: 'step 1, accept' }] });
    expect(runs.step).toBe(1);
    expect(events.map((e) => `${e.event}:${e.status}`)).toEqual([
      'created:working',
      'status:input_required',
      'status:working',
      'status:completed',
      'result_fetched:completed',
    ]);
    expect(events.every((e) => e.taskId === r.taskId && e.principal.subject === 'alice')).toBe(true);
  });

  it('cancel stops the run here at once; the task stays cancelled', async () => {
    let finished = false;
    const slow = defineTool({
      name: 'slow',
      description: 'waits long',
      inputSchema: z.object({}),
      task: 'optional',
      async handler(_a, ctx) {
        await ctx.sleep(60_000);
        finished = true;
        return { content: [{ type: 'text', text: 'late' }] };
      },
    });
    const { engine, workers } = setup([slow]);
    const r = await engine.create(alice, 'slow', {}, {});
    await new Promise((res) => setTimeout(res, 50));
    expect(await engine.cancel(alice, r.taskId)).toBe(true);
    await workers.idle();
    expect(finished).toBe(false);
    expect((await engine.read(alice, r.taskId))?.status).toBe('cancelled');
    expect(await engine.cancel(alice, r.taskId)).toBe(true);
  });

  it('a worker that stops renewing its lease leaves the task failed on the next read', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'waits long',
      inputSchema: z.object({}),
      task: 'optional',
      async handler(_a, ctx) {
        await ctx.sleep(60_000);
        return { content: [{ type: 'text', text: 'late' }] };
      },
    });
    const { engine, workers } = setup([slow], { leaseMs: 300 });
    const r = await engine.create(alice, 'slow', {}, {});
    await new Promise((res) => setTimeout(res, 50));
    workers.abandonAll(); // a crash: the run stops, nothing is written
    await workers.idle();
    expect((await engine.read(alice, r.taskId))?.status).toBe('working');
    await new Promise((res) => setTimeout(res, 400));
    const lost = await engine.read(alice, r.taskId);
    expect(lost?.status).toBe('failed');
    expect(lost?.error?.code).toBe(-32603);
  });

  it('a run past its execution timeout fails with a reason; a thrown error keeps only its class', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'waits long',
      inputSchema: z.object({}),
      task: 'optional',
      async handler(_a, ctx) {
        await ctx.sleep(60_000);
        return { content: [{ type: 'text', text: 'late' }] };
      },
    });
    const boom = defineTool({
      name: 'boom',
      description: 'throws a secret',
      inputSchema: z.object({}),
      task: 'optional',
      async handler() {
        throw new TypeError('secret-token-value');
      },
    });
    const { engine, workers } = setup([slow, boom], { maxRunMs: 100 });
    const a = await engine.create(alice, 'slow', {}, {});
    const b = await engine.create(alice, 'boom', {}, {});
    await workers.idle();
    const timedOut = await engine.read(alice, a.taskId);
    expect(timedOut?.status).toBe('failed');
    expect(timedOut?.statusMessage).toBe('timed out');
    const thrown = await engine.read(alice, b.taskId);
    expect(thrown?.status).toBe('failed');
    expect(JSON.stringify(thrown)).not.toContain('secret-token-value');
    expect(thrown?.error?.message).toContain('TypeError');
  });
});
