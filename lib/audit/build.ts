// One audit record as ONE object literal whose keys come in canonical order (sorted by UTF-16 code units),
// chain placeholders included. The chain then hashes the record's native JSON text, which is its canonical
// form, without sorting or copying it (chain.seal), and the stdout line is that same text plus the hash.
// A key out of order would only cost speed (seal falls back to canonicalJson); a test pins the order.
import { AUDIT_MESSAGE, AUDIT_SCHEMA_VERSION, type RecordPrincipal, type UnchainedRecord } from './record.ts';

/** The fields that differ between the records of one request. */
export type OwnFields = Pick<
  UnchainedRecord,
  | 'args'
  | 'argsBytes'
  | 'argsDigest'
  | 'bytesOut'
  | 'chunksOut'
  | 'decision'
  | 'durationMs'
  | 'error'
  | 'httpStatus'
  | 'kind'
  | 'level'
  | 'method'
  | 'outcome'
  | 'policies'
  | 'rpcErrorCode'
  | 'rpcId'
  | 'tool'
>;

/** The fields every record of one request shares. */
export interface SharedFields {
  coldStart: boolean;
  era: UnchainedRecord['era'];
  functionName: string;
  functionVersion: string;
  httpMethod: string;
  path: string;
  /** Built with its keys in canonical order too (span.setPrincipal). */
  principal: RecordPrincipal | undefined;
  protocolVersion: string | undefined;
  requestId: string;
  service: string;
  sessionId: string | undefined;
  sourceIp: string | undefined;
  timestamp: string;
  traceId: string | undefined;
  userAgent: string | undefined;
}

/** The record of `own` within its request (unredacted, unchained). Pure but for the X-Ray id. */
export function buildRecord(shared: SharedFields, own: OwnFields): UnchainedRecord {
  return {
    args: own.args,
    argsBytes: own.argsBytes,
    argsDigest: own.argsDigest,
    bytesOut: own.bytesOut,
    chunksOut: own.chunksOut,
    cold_start: shared.coldStart,
    decision: own.decision,
    durationMs: own.durationMs,
    era: shared.era,
    error: own.error,
    function_name: shared.functionName,
    function_request_id: shared.requestId,
    function_version: shared.functionVersion,
    httpMethod: shared.httpMethod,
    httpStatus: own.httpStatus,
    kind: own.kind,
    level: own.level,
    message: AUDIT_MESSAGE,
    method: own.method,
    outcome: own.outcome,
    path: shared.path,
    policies: own.policies,
    prev: '',
    principal: shared.principal,
    protocolVersion: shared.protocolVersion,
    rpcErrorCode: own.rpcErrorCode,
    rpcId: own.rpcId,
    schema: AUDIT_SCHEMA_VERSION,
    seq: 0,
    service: shared.service,
    sessionId: shared.sessionId,
    sourceIp: shared.sourceIp,
    stream: '',
    timestamp: shared.timestamp,
    tool: own.tool,
    traceId: shared.traceId,
    userAgent: shared.userAgent,
    xray_trace_id: xrayTraceId(),
  };
}

let xrayRaw: string | undefined;
let xrayRoot: string | undefined;

/** The Root of _X_AMZN_TRACE_ID (set by the Lambda runtime per invocation), parsed once per value. */
export function xrayTraceId(): string | undefined {
  const raw = process.env._X_AMZN_TRACE_ID;
  if (raw !== xrayRaw) {
    xrayRaw = raw;
    xrayRoot = raw ? (/Root=([^;]+)/.exec(raw)?.[1] ?? undefined) : undefined;
  }
  return xrayRoot;
}
