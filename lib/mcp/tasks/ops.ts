// The durable operations a tool reaches through its context (ctx.step, ctx.sleep), in the three ways a
// call can run:
//   inline      a plain tools/call: a step just runs, a sleep just sleeps (abortable);
//   escalating  a tools/call that may become a task: the first durable operation ends the request's run
//               with EscalateToTask, and the wrapper answers with a CreateTaskResult instead;
//   checkpointed  the task's worker: each operation has an id by call order (as the durable execution SDK
//               numbers them); a step whose result is recorded returns it without running, a wait whose
//               deadline is recorded waits only for what is left. Code between operations re-runs on every
//               replay, exactly as under Lambda durable functions: keep it deterministic.

/** What a tool can do durably; every era and mode offers the same two calls. */
export interface DurableOps {
  /** Runs `fn` once per task (its JSON result is checkpointed; a replay returns the recorded value). */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Waits `ms` (a task's wait survives a worker restart: the deadline is checkpointed). */
  sleep(ms: number, name?: string): Promise<void>;
}

/** Thrown by the first durable operation of a call that may run as a task: the call becomes one. */
export class EscalateToTask extends Error {
  readonly code = 'escalate_to_task';
  constructor() {
    super('the call continues as a task');
    this.name = 'EscalateToTask';
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A plain call: nothing is recorded. */
export function inlineOps(signal: AbortSignal): DurableOps {
  return { step: (_name, fn) => fn(), sleep: (ms) => abortableSleep(ms, signal) };
}

/** A call that becomes a task at its first durable operation. */
export function escalatingOps(): DurableOps {
  const escalate = () => {
    const e = Promise.reject(new EscalateToTask());
    e.catch(() => {});
    return e;
  };
  return { step: escalate, sleep: escalate };
}

/** Where the worker keeps its checkpoints: read the recorded ones, persist a new one before going on. */
export interface CheckpointLog {
  recorded(id: string): { found: boolean; value?: unknown };
  record(id: string, value: unknown): Promise<void>;
}

/** The worker's operations over a checkpoint log. */
export function checkpointedOps(log: CheckpointLog, signal: AbortSignal, now: () => number): DurableOps {
  let n = 0;
  const nextId = (kind: string, name: string | undefined) => `${++n}:${kind}:${name ?? ''}`;
  return {
    async step(name, fn) {
      const id = nextId('step', name);
      const seen = log.recorded(id);
      if (seen.found) return seen.value as never;
      signal.throwIfAborted();
      const value = await fn();
      // JSON round trip: a replay must see exactly what a fresh run returns.
      const stored = value === undefined ? null : JSON.parse(JSON.stringify(value));
      await log.record(id, stored);
      return (value === undefined ? undefined : stored) as never;
    },
    async sleep(ms, name) {
      const id = nextId('wait', name);
      const seen = log.recorded(id);
      let until = typeof seen.value === 'number' ? seen.value : undefined;
      if (until === undefined) {
        until = now() + Math.max(0, ms);
        await log.record(id, until);
      }
      await abortableSleep(until - now(), signal);
    },
  };
}
