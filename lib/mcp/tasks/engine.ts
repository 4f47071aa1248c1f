// The task engine of one process: creates task records, answers tasks/get, tasks/update and tasks/cancel
// for the owner only, notices a worker that stopped heartbeating (its task becomes failed, never stays
// working), and launches workers through a Launcher (in process locally; Lambda durable functions in AWS).
import { randomUUID } from 'node:crypto';
import type { TaskAuditFacts } from '../../audit/index.ts';
import { isTerminal, TaskConflictError, type TaskPatch, type TaskRecord, type TaskStore } from '../../tasks/index.ts';
import type { ToolPrincipal } from '../../tools/index.ts';

/** Starts (or resumes) the worker of a task; must return once the start is handed over. */
export type Launcher = (taskId: string) => Promise<void>;

/** A worker that lives elsewhere (a Lambda durable execution): how answers reach it and how it is stopped. */
export interface RemoteWorker {
  /** Delivers the client's answers to the durable callbacks waiting for them. */
  deliver(r: TaskRecord, answered: Record<string, unknown>): Promise<void>;
  /** Stops the task's execution after a cancel. */
  stop(r: TaskRecord): Promise<void>;
  /** The execution's status (GetDurableExecution: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED). */
  status?(r: TaskRecord): Promise<string | undefined>;
}

/** How often one instance asks Lambda about a task's execution while tasks/get polls it. */
export const PROBE_EVERY_MS = 30_000;

/** Pure: the patch for a task whose durable execution ended without the worker writing an outcome. */
export function executionEnded(status: string | undefined): TaskPatch | undefined {
  if (status === undefined || status === 'RUNNING') return undefined;
  const why = status === 'SUCCEEDED' ? 'ended without a result' : status.toLowerCase().replace('_', ' ');
  return {
    status: 'failed',
    statusMessage: `the execution ${why}`,
    error: { code: -32603, message: `The task execution ${why}` },
    leaseUntil: 0,
  };
}

/** One audit fact about a task (created, a status change, the result fetched): a `task` audit record. */
export type TaskEvent = TaskAuditFacts;

export interface TaskEngineOptions {
  store: TaskStore;
  /** How long a task stays readable (ms). */
  ttlMs: number;
  /** How long a worker's promise to be alive lasts; the worker renews it every leaseMs / 3. */
  leaseMs: number;
  /** Audit: lib/apps hands the process's auditor (chained records on the configured sinks). */
  audit?: (e: TaskEvent) => void;
  /** Status changes for listeners (subscriptions/listen, 2025 session streams). */
  onStatus?: (r: TaskRecord) => void;
  now?: () => number;
}

export interface TaskEngine {
  readonly store: TaskStore;
  readonly leaseMs: number;
  readonly now: () => number;
  setLauncher(launch: Launcher, remote?: RemoteWorker): void;
  /** A new task for `tool`, stored before this resolves (a tasks/get right after finds it), worker launched. */
  create(principal: ToolPrincipal, tool: string, args: unknown, answers: Record<string, unknown>): Promise<TaskRecord>;
  /** The caller's task, lease checked; undefined for an unknown task or another subject's. */
  read(principal: ToolPrincipal, taskId: string): Promise<TaskRecord | undefined>;
  /** Answers pending input; resumes the worker when nothing is pending any more. False = unknown task. */
  answer(principal: ToolPrincipal, taskId: string, responses: Record<string, unknown>): Promise<boolean>;
  /** Cancels the caller's task (no-op when terminal). False = unknown task. */
  cancel(principal: ToolPrincipal, taskId: string): Promise<boolean>;
  /** Applies a patch with retries on conflict; `decide` sees the fresh record and returns the patch or none. */
  change(taskId: string, decide: (r: TaskRecord) => TaskPatch | undefined): Promise<TaskRecord | undefined>;
  audit(e: Pick<TaskEvent, 'event' | 'reason'>, r: TaskRecord): void;
}

/** Pure: the caller owns the task (same subject; same client when both are known). */
export function ownsTask(principal: ToolPrincipal, r: TaskRecord): boolean {
  if (principal.subject !== r.ownerSubject) return false;
  return r.ownerClient === undefined || principal.clientId === undefined || r.ownerClient === principal.clientId;
}

/** Pure: the worker's lease ran out while the task still needed it. */
export function workerLost(r: TaskRecord, now: number): boolean {
  return r.status === 'working' && r.leaseUntil > 0 && r.leaseUntil < now;
}

export function createTaskEngine(o: TaskEngineOptions): TaskEngine {
  const now = o.now ?? Date.now;
  let launch: Launcher = async () => {
    throw new Error('no task launcher configured');
  };
  let remote: RemoteWorker | undefined;
  const probed = new Map<string, number>();
  /** A task whose execution (Lambda) ended while the record still says it runs becomes failed. */
  const probe = async (r: TaskRecord): Promise<TaskRecord> => {
    if (!remote?.status || !r.executionArn || isTerminal(r.status)) return r;
    if (now() - Math.max(r.updatedAt, probed.get(r.taskId) ?? 0) < PROBE_EVERY_MS) return r;
    probed.set(r.taskId, now());
    const ended = executionEnded(await remote.status(r).catch(() => undefined));
    if (!ended) return r;
    return (await change(r.taskId, (fresh) => (isTerminal(fresh.status) ? undefined : ended))) ?? r;
  };

  const audit: TaskEngine['audit'] = (e, r) =>
    o.audit?.({
      ...e,
      taskId: r.taskId,
      tool: r.tool,
      status: r.status,
      principal: { subject: r.ownerSubject, clientId: r.ownerClient, scopes: [...r.ownerScopes] },
      createdAt: r.createdAt,
    });

  const change: TaskEngine['change'] = async (taskId, decide) => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const r = await o.store.get(taskId);
      if (!r) return undefined;
      const patch = decide(r);
      if (!patch) return r;
      try {
        const next = await o.store.update(taskId, r.version, patch);
        if (patch.status && patch.status !== r.status) {
          audit({ event: 'status', reason: next.error?.message }, next);
          o.onStatus?.(next);
        }
        return next;
      } catch (err) {
        if (!(err instanceof TaskConflictError)) throw err;
      }
    }
    throw new TaskConflictError(taskId);
  };

  const failLost = (r: TaskRecord) =>
    change(r.taskId, (fresh) =>
      workerLost(fresh, now())
        ? {
            status: 'failed',
            statusMessage: 'the worker stopped',
            error: { code: -32603, message: 'The task worker stopped before the task finished' },
            leaseUntil: 0,
          }
        : undefined,
    );

  return {
    store: o.store,
    leaseMs: o.leaseMs,
    now,
    setLauncher(l, r) {
      launch = l;
      remote = r;
    },
    change,
    audit,
    async create(principal, tool, args, answers) {
      const at = now();
      const record: TaskRecord = {
        taskId: randomUUID(),
        ownerSubject: principal.subject,
        ownerClient: principal.clientId,
        ownerScopes: [...principal.scopes],
        tool,
        args,
        status: 'working',
        createdAt: at,
        updatedAt: at,
        ttlMs: o.ttlMs,
        answers,
        checkpoints: {},
        // The launcher's promise: a worker claims the task within a lease, or the task fails.
        leaseUntil: at + o.leaseMs,
        version: 1,
      };
      await o.store.create(record);
      audit({ event: 'created' }, record);
      try {
        await launch(record.taskId);
      } catch {
        await change(record.taskId, () => ({
          status: 'failed',
          statusMessage: 'the worker could not be started',
          error: { code: -32603, message: 'The task worker could not be started' },
          leaseUntil: 0,
        }));
      }
      return record;
    },
    async read(principal, taskId) {
      let r = await o.store.get(taskId);
      if (!r || !ownsTask(principal, r)) return undefined;
      if (workerLost(r, now())) r = (await failLost(r)) ?? r;
      r = await probe(r);
      // tasks/get inlines the result (or the error) once the task ended: that read is the result's fetch.
      if (r.status === 'completed' || r.status === 'failed') audit({ event: 'result_fetched' }, r);
      return r;
    },
    async answer(principal, taskId, responses) {
      const r = await o.store.get(taskId);
      if (!r || !ownsTask(principal, r)) return false;
      let resumed = false;
      let answered: Record<string, unknown> = {};
      let waiting: TaskRecord | undefined;
      await change(taskId, (fresh) => {
        resumed = false;
        answered = {};
        waiting = fresh;
        if (fresh.status !== 'input_required' || !fresh.inputRequests) return undefined;
        const pending: Record<string, unknown> = { ...fresh.inputRequests };
        const answers: Record<string, unknown> = { ...fresh.answers };
        let taken = 0;
        for (const key of Object.keys(pending)) {
          if (!Object.hasOwn(responses, key)) continue;
          answers[key] = responses[key];
          answered[key] = responses[key];
          delete pending[key];
          taken++;
        }
        if (taken === 0) return undefined;
        if (Object.keys(pending).length > 0) return { answers, inputRequests: pending };
        resumed = true;
        // A durable execution's lease is its execution deadline (set when it claimed the task): keep it.
        const leaseUntil = remote && fresh.callbacks ? fresh.leaseUntil : now() + o.leaseMs;
        return { answers, inputRequests: undefined, callbacks: undefined, status: 'working', leaseUntil };
      });
      // A durable execution waits on callbacks and resumes by itself; a local worker is started again.
      if (remote && waiting?.callbacks) await remote.deliver(waiting, answered);
      else if (resumed) await launch(taskId).catch(() => {});
      return true;
    },
    async cancel(principal, taskId) {
      const r = await o.store.get(taskId);
      if (!r || !ownsTask(principal, r)) return false;
      const after = await change(taskId, (fresh) =>
        isTerminal(fresh.status)
          ? undefined
          : { status: 'cancelled', statusMessage: 'cancelled by the client', inputRequests: undefined, leaseUntil: 0 },
      );
      if (remote && after?.executionArn && after.status === 'cancelled') await remote.stop(after).catch(() => {});
      return true;
    },
  };
}
