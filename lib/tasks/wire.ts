// The task on the wire (SEP-2663): a flat CreateTaskResult for tools/call, a DetailedTask for tasks/get
// (result or error or inputRequests inlined), and the empty acks of tasks/update and tasks/cancel.
// Pure functions of the record; no requestState ever (the tasks wire has none).
import type { TaskRecord } from './types.ts';

/** The extension's identifier under `capabilities.extensions`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** What the client should wait between two tasks/get (ms, an integer). */
export const POLL_INTERVAL_MS = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

function base(r: TaskRecord) {
  return {
    taskId: r.taskId,
    status: r.status,
    ...(r.statusMessage ? { statusMessage: r.statusMessage } : {}),
    createdAt: iso(r.createdAt),
    lastUpdatedAt: iso(r.updatedAt),
    ttlMs: r.ttlMs,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

/** The tools/call answer that starts a task: `resultType: "task"` and the task's fields at the top level. */
export function createTaskResult(r: TaskRecord): Record<string, unknown> {
  return { resultType: 'task', ...base(r) };
}

/** The tasks/get answer: the task, with its result, error or pending input requests inlined. */
export function detailedTask(r: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { resultType: 'complete', ...base(r) };
  if (r.status === 'completed' && r.result !== undefined) out.result = r.result;
  if (r.status === 'failed' && r.error) out.error = r.error;
  if (r.status === 'input_required' && r.inputRequests) out.inputRequests = r.inputRequests;
  return out;
}

/** The ack of tasks/update and tasks/cancel: nothing but the result type. */
export const EMPTY_ACK = { resultType: 'complete' } as const;
