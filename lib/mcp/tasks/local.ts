// The local launcher: runs each task's worker in this process (npm start, tests). A start is handed over at
// once (the run continues in the background, bounded by the worker's maxRunMs); a cancel or terminal status
// seen on this instance aborts its run at once, one made on another instance at the run's next lease renewal.
import type { TaskRecord } from '../../tasks/index.ts';
import { log } from '../../telemetry/index.ts';
import type { Launcher } from './engine.ts';
import { runTask, type WorkerOptions } from './run.ts';

export interface LocalWorkers {
  launch: Launcher;
  /** Tell the running worker of this task (if here) that its status changed. */
  onStatus(r: TaskRecord): void;
  /** Resolves when no run is in progress on this instance (tests, shutdown). */
  idle(): Promise<void>;
  /** Aborts every run here without touching the records (a crash, as the e2e test's kill). */
  abandonAll(): void;
}

export function localWorkers(o: WorkerOptions): LocalWorkers {
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  return {
    async launch(taskId) {
      if (running.has(taskId)) return;
      const abort = new AbortController();
      const started = Date.now();
      const done = runTask(o, taskId, abort)
        .catch((err) => log.warn('task run failed', { taskId, error: (err as Error)?.name ?? 'error' }))
        .finally(() => {
          running.delete(taskId);
          log.info('task run ended', { taskId, ms: Date.now() - started, aborted: abort.signal.aborted });
        });
      running.set(taskId, { abort, done });
    },
    onStatus(r) {
      if (r.status !== 'working') running.get(r.taskId)?.abort.abort(new Error('status changed'));
    },
    async idle() {
      while (running.size) await Promise.all([...running.values()].map((x) => x.done));
    },
    abandonAll() {
      for (const x of running.values()) x.abort.abort(new Error('abandoned'));
    },
  };
}
