// A task record as McpFunction writes it when it creates a task (alice's long_demo call, working, leased),
// for tests that put one into a task store directly; `over` changes what a test needs changed.
import type { TaskRecord } from '../../lib/tasks/index.ts';

export function taskRecord(taskId: string, at: number = Date.now(), over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId,
    ownerSubject: 'alice',
    ownerClient: 'app',
    ownerScopes: ['mcp:tools'],
    tool: 'long_demo',
    args: { steps: 1 },
    status: 'working',
    createdAt: at,
    updatedAt: at,
    ttlMs: 60_000,
    answers: {},
    checkpoints: {},
    leaseUntil: at + 1000,
    version: 1,
    ...over,
  };
}
