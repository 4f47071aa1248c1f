// The worker: runs one task's tool to its end, or to where it waits for the client's input, replaying from
// the task's checkpoints. It renews its lease while it runs (a stopped worker's task fails on the next
// read), notices a cancel made on any instance at the next renewal (or at once on this one), and is bounded
// by `maxRunMs` (the durable execution timeout): past it the task fails, it never stays working.
//
// This is the local emulation of the checkpoint/replay contract of Lambda durable functions (steps run
// once and are recorded, waits record their deadline, a callback parks the run until answered). In AWS the
// same contract is the durable execution SDK's; see docs/tasks-status.md.
import { errorClass } from '../../audit/index.ts';
import { isTerminal, type TaskPatch, type TaskRecord } from '../../tasks/index.ts';
import type { ToolContext, ToolDefinition, ToolResult } from '../../tools/index.ts';
import { createAsks } from '../input/index.ts';
import type { TaskEngine } from './engine.ts';
import { type CheckpointLog, checkpointedOps } from './ops.ts';

export interface WorkerOptions {
  engine: TaskEngine;
  tools: ReadonlyMap<string, ToolDefinition>;
  /** The longest one task may run in total (ms): the durable ExecutionTimeout. */
  maxRunMs: number;
}

/** The run passed the execution timeout: the task fails. Any other abort (cancel, crash) writes nothing. */
class Deadline extends Error {
  readonly code = 'task_deadline';
}

const failed = (message: string, statusMessage: string): TaskPatch => ({
  status: 'failed',
  statusMessage,
  error: { code: -32603, message },
  leaseUntil: 0,
});

/** Runs (or resumes) the task; resolves when the run has ended, whatever the outcome. */
export async function runTask(o: WorkerOptions, taskId: string, local?: AbortController): Promise<void> {
  const { engine } = o;
  const now = engine.now;
  // Claim: only a working task with no live run elsewhere (its lease is this start's promise).
  let current: TaskRecord | undefined = await engine.change(taskId, (r) =>
    r.status === 'working' ? { leaseUntil: now() + engine.leaseMs } : undefined,
  );
  if (current?.status !== 'working') return;
  const tool = o.tools.get(current.tool);
  if (!tool) {
    await engine.change(taskId, (r) =>
      isTerminal(r.status) ? undefined : failed('The task tool is not served here', 'unknown tool'),
    );
    return;
  }
  const abort = local ?? new AbortController();
  const stopIfEnded = (r: TaskRecord | undefined) => {
    if (r?.status !== 'working') abort.abort(new Error('the task ended elsewhere'));
  };
  const save = async (patch: (r: TaskRecord) => TaskPatch) => {
    current = await engine.change(taskId, (r) => (r.status === 'working' ? patch(r) : undefined));
    stopIfEnded(current);
    if (abort.signal.aborted) throw abort.signal.reason;
  };
  const renew = setInterval(
    () => void save(() => ({ leaseUntil: now() + engine.leaseMs })).catch(() => {}),
    Math.max(50, Math.floor(engine.leaseMs / 3)),
  );
  const remaining = current.createdAt + o.maxRunMs - now();
  const deadline = setTimeout(() => abort.abort(new Deadline('deadline')), Math.max(0, remaining));
  const log: CheckpointLog = {
    recorded: (id) =>
      Object.hasOwn(current?.checkpoints ?? {}, id)
        ? { found: true, value: current?.checkpoints[id] }
        : { found: false },
    record: (id, value) => save((r) => ({ checkpoints: { ...r.checkpoints, [id]: value } })),
  };
  const asks = createAsks(current.answers, undefined);
  const ops = checkpointedOps(log, abort.signal, now);
  const ctx: ToolContext = {
    principal: { subject: current.ownerSubject, clientId: current.ownerClient, scopes: current.ownerScopes },
    signal: abort.signal,
    progress: async () => {},
    log: async () => {},
    notifySession: async () => {},
    elicit: asks.elicit,
    sample: asks.sample,
    listRoots: asks.listRoots,
    // The task's client negotiated the extension; what else it declared is checked when it answers.
    clientSupports: () => true,
    step: ops.step,
    sleep: ops.sleep,
  };
  let outcome: TaskPatch;
  try {
    const result: ToolResult = await tool.handler(current.args as never, ctx);
    outcome =
      asks.pending.size > 0
        ? { status: 'input_required', inputRequests: Object.fromEntries(asks.pending), leaseUntil: 0 }
        : { status: 'completed', result: { ...result }, leaseUntil: 0 };
  } catch (err) {
    if (asks.pending.size > 0 && !abort.signal.aborted) {
      outcome = { status: 'input_required', inputRequests: Object.fromEntries(asks.pending), leaseUntil: 0 };
    } else if (abort.signal.reason instanceof Deadline) {
      outcome = failed('The task ran past its execution timeout', 'timed out');
    } else if (abort.signal.aborted) {
      outcome = {};
    } else {
      outcome = failed(`The tool failed (${errorClass(err)})`, 'the tool failed');
    }
  } finally {
    clearInterval(renew);
    clearTimeout(deadline);
  }
  if (outcome.status) await engine.change(taskId, (r) => (r.status === 'working' ? outcome : undefined));
}
