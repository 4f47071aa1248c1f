// The `task` audit record: one when a task is created, one per status change, one each time its result is
// fetched. Written by whichever process sees the fact (the /mcp instance, a local worker, the durable worker
// function), through that process's auditor, so it is redacted, hash-chained and sent to the same sinks as
// the request records. Never the tool's arguments or result: the task id, the tool and the principal.
import { randomUUID } from 'node:crypto';
import {
  AUDIT_MESSAGE,
  AUDIT_SCHEMA_VERSION,
  type AuditPrincipal,
  type Outcome,
  type TaskAuditEvent,
  type UnchainedRecord,
} from './record.ts';

/** One fact about a task (what lib/mcp/tasks hands the auditor). */
export interface TaskAuditFacts {
  event: TaskAuditEvent;
  taskId: string;
  tool: string;
  /** The task's status after the fact. */
  status: string;
  /** The task's owner (the caller who created it). */
  principal: AuditPrincipal;
  /** When the task was created (epoch ms): durationMs is the task's age at the fact. */
  createdAt: number;
  /** Why it failed: a fixed text of ours, never the tool's error message. */
  reason?: string | undefined;
}

/** Where a task record was written (the Powertools envelope of this process). */
export interface TaskAuditEnv {
  service: string;
  coldStart: boolean;
  now: number;
}

/** Pure: a failed task is an `error`, a cancelled one `aborted`; everything else is `ok`. */
export function taskOutcome(status: string): Outcome {
  if (status === 'failed') return 'error';
  if (status === 'cancelled') return 'aborted';
  return 'ok';
}

/** The unchained `task` record for a fact (pure but for its fresh request id). */
export function taskRecord(f: TaskAuditFacts, env: TaskAuditEnv): UnchainedRecord {
  const outcome = taskOutcome(f.status);
  return {
    level: outcome === 'ok' ? 'INFO' : outcome === 'error' ? 'ERROR' : 'WARN',
    message: AUDIT_MESSAGE,
    timestamp: new Date(env.now).toISOString(),
    service: env.service,
    cold_start: env.coldStart,
    function_name: process.env.AWS_LAMBDA_FUNCTION_NAME ?? env.service,
    function_version: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    // No Lambda request owns a worker's write: a fresh id keeps the DynamoDB sort key (time#request#seq) unique
    // when two instances write records of the same owner in the same millisecond with the same seq.
    function_request_id: `task-${randomUUID()}`,
    schema: AUDIT_SCHEMA_VERSION,
    kind: 'task',
    principal: {
      sub: f.principal.subject,
      ...(f.principal.clientId !== undefined ? { clientId: f.principal.clientId } : {}),
      scopes: [...f.principal.scopes],
    },
    tool: f.tool,
    taskId: f.taskId,
    taskEvent: f.event,
    taskStatus: f.status,
    outcome,
    ...(f.reason !== undefined ? { error: f.reason } : {}),
    durationMs: Math.max(0, env.now - f.createdAt),
  };
}
