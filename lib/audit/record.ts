// The audit record, schema version 1: one JSON object per line on stdout (and optionally one
// DynamoDB item). Field names follow Powertools Logger where the two overlap (timestamp,
// function_request_id, function_name, level, message, service, cold_start, xray_trace_id), so the
// records sit next to ordinary Powertools logs in CloudWatch Logs Insights. Absent optional fields are
// omitted, never null. The README's "Audit log" section documents every field.

/** The `schema` field of every record. */
export const AUDIT_SCHEMA_VERSION = 1;
/** Every audit line carries message === AUDIT_MESSAGE, so `filter message = "audit"` selects them. */
export const AUDIT_MESSAGE = 'audit';

/** The protocol era the request was served in. */
export type Era = '2026-07-28' | '2025' | 'legacy-sse';

/**
 * How a request (or one tool call) ended:
 * - `ok`: it succeeded;
 * - `tool_error`: the tool ran and failed (it threw, or its result has isError: true);
 * - `rpc_error`: the server answered the JSON-RPC request with an error (`rpcErrorCode` holds its code),
 *   e.g. -32602 for an unknown tool, even inside an HTTP 200 or after a legacy 202;
 * - `denied`: 401 or 403; `not_found`: 404 or 410; `rate_limited`: 429; `too_large`: 413;
 * - `bad_request`: any other 4xx;
 * - `aborted`: the client went away before the response finished (bytes so far are recorded);
 * - `timeout`: the invocation deadline or a tool timeout cut the work (also 408 and 504);
 * - `error`: 5xx, or a handler that threw.
 */
export type Outcome =
  | 'ok'
  | 'tool_error'
  | 'rpc_error'
  | 'denied'
  | 'not_found'
  | 'rate_limited'
  | 'too_large'
  | 'bad_request'
  | 'aborted'
  | 'timeout'
  | 'error';

/**
 * `request`: the one record per HTTP request. `tool_call`: one extra per call when a request carries several.
 * `task`: a task was created, changed status, or had its result fetched (lib/audit/task.ts).
 */
export type RecordKind = 'request' | 'tool_call' | 'task';

/** What happened to a task in a `task` record. */
export type TaskAuditEvent = 'created' | 'status' | 'result_fetched';

/** The caller as the auth library established it. Structural, so lib/audit does not depend on lib/auth. */
export interface AuditPrincipal {
  subject: string;
  clientId?: string | undefined;
  scopes: string[];
  jti?: string | undefined;
}

/** What a record says about the caller: identifiers only, never the token. */
export interface RecordPrincipal {
  sub: string;
  clientId?: string;
  scopes: string[];
  jti?: string;
}

export interface AuditRecord {
  // Powertools envelope
  level: 'INFO' | 'WARN' | 'ERROR';
  message: typeof AUDIT_MESSAGE;
  timestamp: string;
  service: string;
  cold_start: boolean;
  function_name: string;
  function_version: string;
  function_request_id: string;
  xray_trace_id?: string;
  // audit body
  schema: typeof AUDIT_SCHEMA_VERSION;
  kind: RecordKind;
  /** W3C trace id (32 hex) from the `traceparent` header or `params._meta.traceparent`. */
  traceId?: string;
  principal?: RecordPrincipal;
  sessionId?: string;
  era?: Era;
  protocolVersion?: string;
  /** Absent on `task` records (a status change may happen in a worker, outside any HTTP request). */
  httpMethod?: string;
  /** URL path only; the query string is never recorded. Absent on `task` records. */
  path?: string;
  /** JSON-RPC method. */
  method?: string;
  /** JSON-RPC id. */
  rpcId?: string | number | null;
  tool?: string;
  /** SHA-256 (hex) of the canonical JSON of the tool arguments. */
  argsDigest?: string;
  /** UTF-8 length of that canonical JSON. */
  argsBytes?: number;
  /** Only fields named in AUDIT_ARGS_ALLOWLIST for this tool, redacted. */
  args?: Record<string, unknown>;
  outcome: Outcome;
  httpStatus?: number;
  rpcErrorCode?: number;
  /**
   * For a tool that failed, its error class only (never its message, which may repeat caller input);
   * for a server-side failure, a short redacted text.
   */
  error?: string;
  /** The Cedar policies' decision on the tool call (present only when policies are configured). */
  decision?: 'allow' | 'deny';
  /** The ids of the policies that determined it (the forbids that denied, the permits that allowed). */
  policies?: string[];
  /** `task` records: the task id, what happened, and the task's status after it. */
  taskId?: string;
  taskEvent?: TaskAuditEvent;
  taskStatus?: string;
  durationMs: number;
  bytesOut?: number;
  chunksOut?: number;
  sourceIp?: string;
  userAgent?: string;
  // hash chain
  /** Log stream id: one per process (Lambda execution environment). */
  stream: string;
  /** 0-based position in the stream. */
  seq: number;
  /** `hash` of the previous record in the stream, or GENESIS for seq 0. */
  prev: string;
  /** SHA-256 hex of prev + canonicalJson(record without hash). */
  hash: string;
}

/**
 * A record before the chain fields are attached. It may hold `stream`, `seq` and `prev` as placeholders
 * (build.ts), which the chain then fills in place.
 */
export type UnchainedRecord = Omit<AuditRecord, 'stream' | 'seq' | 'prev' | 'hash'> &
  Partial<Pick<AuditRecord, 'stream' | 'seq' | 'prev'>>;

/** Outcome implied by an HTTP status when the handler did not set one. Pure. */
export function outcomeForStatus(status: number): Outcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'error';
  return 'bad_request';
}

/** Log level for an outcome: failures of the service are ERROR, refusals and client-side failures WARN. Pure. */
export function levelForOutcome(outcome: Outcome): AuditRecord['level'] {
  if (outcome === 'ok') return 'INFO';
  if (outcome === 'error' || outcome === 'timeout') return 'ERROR';
  return 'WARN';
}

/** True when a parsed JSON value looks like an audit record (so other log lines can be skipped). Pure. */
export function isAuditRecord(value: unknown): value is AuditRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    v.message === AUDIT_MESSAGE &&
    typeof v.schema === 'number' &&
    typeof v.stream === 'string' &&
    typeof v.seq === 'number' &&
    typeof v.hash === 'string'
  );
}

/** A destination for audit records (stdout, DynamoDB, a test's memory). */
export interface AuditSink {
  readonly name: string;
  /** `line`, when given, is the record as JSON (what the auditor serialised while chaining it). */
  write(record: AuditRecord, line?: string): void | Promise<void>;
}
