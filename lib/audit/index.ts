// lib/audit: one audit record per HTTP request (plus one per call of a batch), redacted, hash-chained,
// written to stdout and, with AUDIT_SINK=dynamodb, to a DynamoDB table. The AWS SDK loads only then.
import type { Config } from '../config.ts';

export { type Auditor, type AuditorOptions, auditorFor, auditSpanOf, createAuditor, withAudit } from './auditor.ts';
export { type ChainBreak, type ChainOk, type Entry, verifyChain, verifyEntries } from './chain.ts';
export { type CallFacts, type CallResult, errorClass, type RpcFacts } from './facts.ts';
export {
  type AuditPrincipal,
  type AuditRecord,
  type Era,
  isAuditRecord,
  type Outcome,
  type TaskAuditEvent,
} from './record.ts';
export { REDACTED, redactString, redactValue } from './redact.ts';
export { findJwtShaped } from './scan.ts';
export { type AuditSink, recordFromItem, sinksFor, stdoutSink } from './sinks.ts';
export type { AuditSpan } from './span.ts';
export { type TaskAuditFacts, taskOutcome, taskRecord } from './task.ts';

/** Creates the audit table when missing (local host with AUDIT_SINK=dynamodb, tests). Loads the AWS SDK. */
export async function ensureAuditTable(cfg: Config): Promise<'created' | 'existed'> {
  return (await import('./dynamodb.ts')).ensureAuditTable(cfg);
}
