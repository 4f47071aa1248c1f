// How a tools/call of a tool that declares `task` runs: a client that negotiated the tasks extension
// (2026-07-28, in the request's `_meta`) gets escalating operations, so the call becomes a task at the tool's
// first ctx.step/ctx.sleep; a client without it runs the tool inline (`optional`) or gets -32021 (`required`).
import type { ServerContext } from '@modelcontextprotocol/server';
import { createTaskResult } from '../../tasks/index.ts';
import type { ToolDefinition, ToolPrincipal } from '../../tools/index.ts';
import type { TaskEngine } from './engine.ts';
import { declaresTasks, requestCapabilities, tasksCapabilityError } from './methods.ts';
import { type DurableOps, escalatingOps, inlineOps } from './ops.ts';

/** The durable operations for this call; throws -32021 when the tool needs a task the client cannot take. */
export function opsForCall(
  tool: ToolDefinition,
  engine: TaskEngine | undefined,
  era: 'legacy' | 'modern',
  ctx: ServerContext,
  signal: AbortSignal,
): DurableOps {
  if (!tool.task || !engine) return inlineOps(signal);
  const declared = era === 'modern' && declaresTasks(requestCapabilities(ctx));
  if (declared) return escalatingOps();
  if (tool.task === 'required') throw tasksCapabilityError();
  return inlineOps(signal);
}

/** Creates the task the call escalated to (answers gathered so far go with it) and its CreateTaskResult. */
export async function startTask(
  engine: TaskEngine,
  principal: ToolPrincipal,
  tool: ToolDefinition,
  args: unknown,
  answers: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const record = await engine.create(principal, tool.name, args, answers);
  return createTaskResult(record);
}
