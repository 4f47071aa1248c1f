// What a task is to this stack (SEP-2663, the io.modelcontextprotocol/tasks extension): the small record
// that makes tasks/get, tasks/update and tasks/cancel work from any instance, and the store behind it.
// The record also carries the run's checkpoints (step results, wait deadlines) and the answers the client
// gave, so that a worker on any instance can replay the tool up to where it stopped.

/** The five statuses of SEP-2663; the last three are terminal. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** Pure predicate: no further change can happen to a task in this status. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/** A JSON-RPC error object as a failed task inlines it. */
export interface TaskError {
  code: number;
  message: string;
  data?: unknown;
}

export interface TaskRecord {
  taskId: string;
  /** The token's subject and client that created the task: the only caller that may see it. */
  ownerSubject: string;
  ownerClient: string | undefined;
  /** The owner's scopes when the task was created (what the tool sees as ctx.principal.scopes). */
  ownerScopes: string[];
  tool: string;
  /** The tool's arguments (client input: stored for the worker, never logged). */
  args: unknown;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: number;
  updatedAt: number;
  /** How long the task stays readable after creation (ms); the TTL of the item follows from it. */
  ttlMs: number;
  /** The tool's result once completed (a CallToolResult, isError included). */
  result?: unknown;
  /** The protocol-level error once failed. */
  error?: TaskError;
  /** The asks still waiting for the client's answer, by key (status input_required). */
  inputRequests?: Record<string, unknown>;
  /** Every answer the client gave (MRTR rounds before the task, tasks/update after), by key. */
  answers: Record<string, unknown>;
  /** Durable callbacks (Lambda worker) waiting for the pending asks, by ask key. */
  callbacks?: Record<string, string>;
  /** The durable execution that runs the task (Lambda worker), for StopDurableExecution. */
  executionArn?: string;
  /** Checkpoints of the run by operation id: step results and wait deadlines. */
  checkpoints: Record<string, unknown>;
  /** Until when the worker that runs the task last promised to be alive (ms); 0 = no worker running. */
  leaseUntil: number;
  /** Optimistic concurrency: every write names the version it read. */
  version: number;
}

/** What may change on a task in one write. */
export type TaskPatch = Partial<
  Pick<
    TaskRecord,
    | 'status'
    | 'statusMessage'
    | 'result'
    | 'error'
    | 'inputRequests'
    | 'answers'
    | 'checkpoints'
    | 'leaseUntil'
    | 'callbacks'
    | 'executionArn'
  >
>;

export class TaskConflictError extends Error {
  readonly code = 'task_conflict';
  constructor(taskId: string) {
    super(`task ${taskId} changed underneath this write`);
    this.name = 'TaskConflictError';
  }
}

/** The task records: the same contract in memory and in DynamoDB. */
export interface TaskStore {
  /** Writes a new record; resolves once a get on any instance sees it (strongly consistent). */
  create(record: TaskRecord): Promise<void>;
  /** The record, or undefined when unknown or expired. */
  get(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Applies `patch` when the stored version is still `expectVersion`; returns the new record. Throws
   * TaskConflictError when another writer came first (the caller reads again and decides).
   */
  update(taskId: string, expectVersion: number, patch: TaskPatch): Promise<TaskRecord>;
}

/** Pure: the record with `patch` applied, one version later, updated now. */
export function applyPatch(record: TaskRecord, patch: TaskPatch, now: number): TaskRecord {
  const next = { ...record, ...patch, updatedAt: now, version: record.version + 1 };
  if (patch.inputRequests === undefined && 'inputRequests' in patch) delete next.inputRequests;
  if (patch.callbacks === undefined && 'callbacks' in patch) delete next.callbacks;
  return next;
}
