// The task worker function (AWS): each invocation is a step of one task's Lambda durable execution. It serves
// the same tools as /mcp (the catalogue, plus the conformance task fixtures when those are on) over the same
// task table, and runs the task's tool with durable steps, waits and callbacks (lib/mcp/tasks/durable.ts).
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { auditorFor } from '../audit/index.ts';
import type { Config } from '../config.ts';
import { runDurableTask } from '../mcp/tasks/durable.ts';
import { TASK_FIXTURE_TOOLS } from '../tools/conformance/index.ts';
import { servedTools, type ToolCatalogue, type ToolDefinition } from '../tools/index.ts';
import { tasksFor } from './tasks.ts';

/** The durable handler for `{ taskId }` events (McpFunction starts one execution per task, named after it). */
export function createTaskWorker(cfg: Config, catalogue: ToolCatalogue) {
  let tools: Promise<ToolDefinition[]> | undefined;
  return withDurableExecution(async (event: { taskId?: unknown }, context) => {
    if (typeof event?.taskId !== 'string') return { status: 'bad-event' };
    tools ??= servedTools(catalogue, cfg.demoTools).then((t) =>
      cfg.conformanceFixtures ? [...t, ...TASK_FIXTURE_TOOLS] : t,
    );
    const served = await tools;
    const tasks = await tasksFor(cfg, served);
    if (!tasks) return { status: 'tasks-off' };
    try {
      const status = await runDurableTask(
        { engine: tasks.engine, tools: new Map(served.map((t) => [t.name, t])), maxRunMs: cfg.tasks.maxRunMs },
        event.taskId,
        context,
      );
      return { status };
    } finally {
      // The status records and events of this invocation reach the audit table and the listeners' channel
      // before Lambda freezes the process (each wait bounded at 2 s).
      await Promise.all([auditorFor(cfg).flush(), tasks.settle()]);
    }
  });
}
