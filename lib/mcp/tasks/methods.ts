// The tasks extension's methods on a fresh server (2026-07-28): tasks/get (the DetailedTask, result or
// error or pending input inlined), tasks/update (answers to pending input), tasks/cancel. Each needs the
// extension in the request's declared client capabilities (-32021 otherwise), and answers only the task's
// owner: another subject's task gets the same -32602 as an unknown one. tasks/result and tasks/list are not
// part of SEP-2663 and stay unregistered (the SDK answers -32601).
import {
  CLIENT_CAPABILITIES_META_KEY,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { detailedTask, EMPTY_ACK, TASKS_EXTENSION } from '../../tasks/index.ts';
import type { ToolPrincipal } from '../../tools/index.ts';
import type { TaskEngine } from './engine.ts';

/** Pure: the declared client capabilities name the tasks extension. */
export function declaresTasks(capabilities: unknown): boolean {
  const ext = (capabilities as { extensions?: unknown } | undefined)?.extensions;
  return typeof ext === 'object' && ext !== null && Object.hasOwn(ext, TASKS_EXTENSION);
}

/** The capabilities this request declares (2026-07-28: its `_meta` envelope). */
export function requestCapabilities(ctx: ServerContext): unknown {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[CLIENT_CAPABILITIES_META_KEY];
}

/** What the server advertises: the extension under `capabilities.extensions` when tasks are served. */
export function tasksCapability(engine: TaskEngine | undefined): {
  extensions?: Record<string, Record<string, never>>;
} {
  return engine ? { extensions: { [TASKS_EXTENSION]: {} } } : {};
}

/** The -32021 answer for a client that did not negotiate the extension. */
export function tasksCapabilityError(): MissingRequiredClientCapabilityError {
  return new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    `This request needs the ${TASKS_EXTENSION} extension`,
  );
}

const unknownTask = () => new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown task');

const TaskIdParams = z.object({ taskId: z.string().min(1).max(128) }).passthrough();

/** Registers tasks/get, tasks/update and tasks/cancel for `principal` on a fresh server. */
export function registerTaskMethods(server: McpServer, engine: TaskEngine, principal: ToolPrincipal): void {
  const gate = (ctx: ServerContext) => {
    if (!declaresTasks(requestCapabilities(ctx))) throw tasksCapabilityError();
  };
  const s = server.server;
  s.setRequestHandler('tasks/get', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    const r = await engine.read(principal, params.taskId);
    if (!r) throw unknownTask();
    return detailedTask(r) as never;
  });
  s.setRequestHandler('tasks/update', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    // The SDK lifts `inputResponses` off the params into the request context (as for an MRTR retry).
    const given = ctx.mcpReq.inputResponses;
    if (typeof given !== 'object' || given === null || Array.isArray(given))
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'tasks/update needs inputResponses');
    // Only the keys the task is waiting for are read (prototype-safe: own keys only).
    const responses: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(given)) responses[k] = v;
    if (!(await engine.answer(principal, params.taskId, responses))) throw unknownTask();
    return EMPTY_ACK as never;
  });
  s.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    if (!(await engine.cancel(principal, params.taskId))) throw unknownTask();
    return EMPTY_ACK as never;
  });
}
