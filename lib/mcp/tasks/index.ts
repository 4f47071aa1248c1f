// lib/mcp/tasks: tools that outlive a request (the tasks extension, SEP-2663): the engine (records, owner
// checks, lost workers), the worker that replays a tool from its checkpoints, the local launcher, the
// durable operations a tool uses through its context, and the tasks/* methods.
export { opsForCall, startTask } from './dispatch.ts';
export {
  createTaskEngine,
  type Launcher,
  ownsTask,
  type TaskEngine,
  type TaskEngineOptions,
  type TaskEvent,
  workerLost,
} from './engine.ts';
export { refusedTaskCall, taskRequiredResponse } from './gate.ts';
export { type LocalWorkers, localWorkers } from './local.ts';
export { declaresTasks, registerTaskMethods, tasksCapability, tasksCapabilityError } from './methods.ts';
export {
  ownsEvent,
  TASK_CHANNEL,
  TASK_NOTIFICATION,
  TaskStatusBus,
  type TaskStatusEvent,
  taskStatusEvent,
  withTaskNotifications,
} from './notify.ts';
export {
  abortableSleep,
  type CheckpointLog,
  checkpointedOps,
  type DurableOps,
  EscalateToTask,
  escalatingOps,
  inlineOps,
} from './ops.ts';
export { runTask, type WorkerOptions } from './run.ts';
