// The task store in process memory: the twin of the DynamoDB one for tests and the single local host.
// Records are deep-copied on the way in and out, as a round trip through DynamoDB would.
import { applyPatch, TaskConflictError, type TaskPatch, type TaskRecord, type TaskStore } from './types.ts';

/** A task store in a Map (prototype-safe lookups by client-chosen ids). */
export function createMemoryTaskStore(now: () => number = Date.now): TaskStore {
  const records = new Map<string, TaskRecord>();
  const live = (taskId: string): TaskRecord | undefined => {
    const r = records.get(taskId);
    if (r && r.createdAt + r.ttlMs <= now()) {
      records.delete(taskId);
      return undefined;
    }
    return r;
  };
  return {
    async create(record) {
      if (records.has(record.taskId)) throw new TaskConflictError(record.taskId);
      records.set(record.taskId, structuredClone(record));
    },
    async get(taskId) {
      const r = live(taskId);
      return r ? structuredClone(r) : undefined;
    },
    async update(taskId, expectVersion, patch: TaskPatch) {
      const r = live(taskId);
      if (!r || r.version !== expectVersion) throw new TaskConflictError(taskId);
      const next = applyPatch(r, structuredClone(patch), now());
      records.set(taskId, next);
      return structuredClone(next);
    },
  };
}
