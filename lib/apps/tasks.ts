// The tasks extension of one process: the engine over the task store (memory with STORE=memory; the
// DynamoDB table with STORE=dynamodb, so hosts sharing one endpoint see the same tasks) and the local
// workers (TASKS=local). Task audit records go through the process's auditor: the same chain and sinks as
// the request records (stdout, and the audit table with AUDIT_SINK=dynamodb), in /mcp and in the worker.
import { auditorFor } from '../audit/index.ts';
import type { Config } from '../config.ts';
import {
  createTaskEngine,
  type LocalWorkers,
  localWorkers,
  refusedTaskCall,
  type TaskEngine,
  TaskStatusBus,
  taskRequiredResponse,
} from '../mcp/tasks/index.ts';
import { createStores, type MessageStore } from '../store/index.ts';
import { createMemoryTaskStore, type TaskStore } from '../tasks/index.ts';
import type { ToolDefinition } from '../tools/index.ts';

export interface Tasks {
  engine: TaskEngine;
  workers: LocalWorkers;
  /** Status changes for subscriptions/listen, shared across instances (lib/mcp/tasks/notify.ts). */
  bus: TaskStatusBus;
  /** Waits (bounded) until the status events published so far have reached the message store. */
  settle(timeoutMs?: number): Promise<void>;
}

let shared: Tasks | undefined;

/**
 * The DynamoDB task store, loaded with the AWS SDK on its first call (a task created, read or updated), not when
 * the core is made: the first answer of a cold instance (most are not tasks) does not wait for the SDK. A failed
 * load is not kept, so the next call tries again.
 */
export function lazyDynamoTaskStore(
  cfg: Pick<Config, 'store' | 'tasks'>,
  load = () => import('../tasks/dynamodb-store.ts'),
): TaskStore {
  let loaded: Promise<TaskStore> | undefined;
  const store = () =>
    (loaded ??= load()
      .then((m) => m.createDynamoTaskStore(cfg.store, cfg.tasks.table))
      .catch((err: unknown) => {
        loaded = undefined;
        throw err;
      }));
  return {
    create: async (record) => (await store()).create(record),
    get: async (taskId) => (await store()).get(taskId),
    update: async (taskId, expectVersion, patch) => (await store()).update(taskId, expectVersion, patch),
  };
}

/**
 * The engine and workers of this process (created once), or undefined with TASKS=off. `messages`: the
 * store whose channel carries status events to listeners on any instance (by default the configured one).
 */
export async function tasksFor(
  cfg: Config,
  tools: readonly ToolDefinition[],
  messages: MessageStore = createStores(cfg).messages,
): Promise<Tasks | undefined> {
  if (cfg.tasks.mode === 'off') return undefined;
  if (shared) return shared;
  const store: TaskStore = cfg.store.kind === 'dynamodb' ? lazyDynamoTaskStore(cfg) : createMemoryTaskStore();
  let workers: LocalWorkers | undefined;
  const bus = new TaskStatusBus(messages);
  const pending = new Set<Promise<void>>();
  const engine = createTaskEngine({
    store,
    // Readable for TASK_TTL_S after the longest run it may have: a long task never expires while it runs.
    ttlMs: cfg.tasks.ttlMs + cfg.tasks.maxRunMs,
    // A durable execution claims its task from an asynchronous invoke, perhaps after a cold start: until then the
    // launch's lease must not look like a lost worker. Local workers claim at once and renew every lease/3.
    leaseMs: cfg.tasks.mode === 'lambda' ? Math.max(cfg.tasks.leaseMs, 120_000) : cfg.tasks.leaseMs,
    audit: (e) => auditorFor(cfg).task(e),
    onStatus: (r) => {
      workers?.onStatus(r);
      const shared = bus.publish(r);
      pending.add(shared);
      void shared.finally(() => pending.delete(shared));
    },
  });
  workers = localWorkers({ engine, tools: new Map(tools.map((t) => [t.name, t])), maxRunMs: cfg.tasks.maxRunMs });
  if (cfg.tasks.mode === 'lambda') {
    // AWS: each task is a durable execution of the worker function (lib/apps/task-worker.ts). Without the
    // worker's ARN (the worker itself, which never launches) a start fails the task: never run it in-process here.
    const { lambdaWorkers } = await import('../mcp/tasks/lambda.ts');
    const arn = cfg.tasks.workerArn;
    const aws = arn ? lambdaWorkers({ engine, workerArn: arn, region: cfg.store.region }) : undefined;
    engine.setLauncher(
      aws?.launch ??
        (async () => {
          throw new Error('TASK_WORKER_ARN is not set');
        }),
      aws?.remote,
    );
  } else engine.setLauncher(workers.launch);
  const settle = async (timeoutMs = 2000) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((res) => {
      timer = setTimeout(res, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...pending]), bound]);
    clearTimeout(timer);
  };
  shared = { engine, workers, bus, settle };
  return shared;
}

/** The -32021 answer for a body whose tools/call needs a task its client did not negotiate, if any. */
export function taskRefusal(body: unknown, tools: readonly ToolDefinition[]): Response | undefined {
  const refused = refusedTaskCall(body, tools);
  return refused ? taskRequiredResponse(refused.id) : undefined;
}
