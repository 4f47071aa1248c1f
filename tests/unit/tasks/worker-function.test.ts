// The task worker function's own wiring (lib/apps/task-worker.ts) under the durable SDK's local runner: the
// status changes it makes reach the audit sinks as chained `task` records of the owner, and reach a listener
// of the owner on another "instance" (a second bus on the same message store), before the invocation returns.
// Only Lambda is emulated (the SDK's runner); the stores are the real memory ones, the audit sink is stdout.
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTaskWorker } from '../../../lib/apps/task-worker.ts';
import { tasksFor } from '../../../lib/apps/tasks.ts';
import { verifyChain } from '../../../lib/audit/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { TaskStatusBus, type TaskStatusEvent } from '../../../lib/mcp/tasks/index.ts';
import { createStores } from '../../../lib/store/index.ts';
import { EMPTY_CATALOGUE } from '../../../lib/tools/catalogue.ts';
import { servedTools } from '../../../lib/tools/index.ts';
import { taskRecord } from '../../support/task-record.ts';

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

describe('task worker function (durable, SDK local runner)', () => {
  it("writes the owner's chained status records and shares the status events with another instance", async () => {
    const cfg = loadConfig({
      AUTH_DISABLED: 'true',
      TASKS: 'lambda',
      STORE: 'memory',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const tasks = await tasksFor(cfg, await servedTools(EMPTY_CATALOGUE, cfg.demoTools));
    expect(tasks).toBeDefined();
    const now = Date.now();
    // The record McpFunction wrote before it invoked the worker (its launcher is Lambda, absent here).
    await tasks!.engine.store.create(
      taskRecord('task-w1', now, { args: { steps: 2, step_ms: 10 }, leaseUntil: now + 120_000 }),
    );
    const other = new TaskStatusBus(createStores(cfg).messages);
    const heard: TaskStatusEvent[] = [];
    const mallory: TaskStatusEvent[] = [];
    const off = [
      other.subscribe({ subject: 'alice', clientId: 'app', scopes: [] }, (e) => heard.push(e)),
      other.subscribe({ subject: 'mallory', clientId: 'app', scopes: [] }, (e) => mallory.push(e)),
    ];
    await new Promise((r) => setTimeout(r, 50));
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    try {
      const runner = new LocalDurableTestRunner({ handlerFunction: createTaskWorker(cfg, EMPTY_CATALOGUE) });
      const execution = await runner.run({ payload: { taskId: 'task-w1' } });
      expect(execution.getStatus()).toBe('SUCCEEDED');
      expect(execution.getResult()).toEqual({ status: 'completed' });
    } finally {
      spy.mockRestore();
    }
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"kind":"task"'))
      .map((l) => JSON.parse(l));
    expect(records.map((r) => `${r.taskEvent}:${r.taskStatus}`)).toEqual(['status:completed']);
    expect(records[0]).toMatchObject({ taskId: 'task-w1', tool: 'long_demo', principal: { sub: 'alice' } });
    expect(verifyChain(lines.join(''))).toMatchObject({ ok: true });
    await expect.poll(() => heard.map((e) => e.params.status), { timeout: 3000 }).toEqual(['completed']);
    expect(mallory).toEqual([]);
    for (const f of off) f();
  });
});
