// lib/tasks: the task record of the tasks extension (SEP-2663), its store (memory; DynamoDB) and its wire
// shapes. SDK-free; lib/mcp/tasks runs the tools and serves the methods.
export { createMemoryTaskStore } from './memory-store.ts';
export {
  applyPatch,
  isTerminal,
  TaskConflictError,
  type TaskError,
  type TaskPatch,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
  TERMINAL,
} from './types.ts';
export { createTaskResult, detailedTask, EMPTY_ACK, POLL_INTERVAL_MS, TASKS_EXTENSION } from './wire.ts';
