// One audit record as ONE object literal, chain placeholders included: the auditor redacts it in place and
// the chain links it in place (chain.seal), so a record is allocated once and serialised once for stdout.
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
  principal: RecordPrincipal | undefined;
  protocolVersion: string | undefined;
  requestId: string;
  service: string;
  sessionId: string | undefined;
  sourceIp: string | undefined;
  timestamp: string;
  traceId: string | undefined;
  userAgent: string | undefined;
  /** xrayTraceId() when the request's records are built. */
  xrayTraceId: string | undefined;
}

/**
 * The record of `own` within its request (unredacted, unchained), as one object literal. The key order is
 * the record's line format (Powertools envelope first, chain fields last: tests/integration/mcp/answers-
 * stable.test.ts pins it byte for byte); stream, seq and prev are placeholders the chain fills in place.
 */
export function buildRecord(shared: SharedFields, own: OwnFields): UnchainedRecord {
  return {
    level: own.level,
    message: AUDIT_MESSAGE,
    timestamp: shared.timestamp,
    service: shared.service,
    cold_start: shared.coldStart,
    function_name: shared.functionName,
    function_version: shared.functionVersion,
    function_request_id: shared.requestId,
    xray_trace_id: shared.xrayTraceId,
    schema: AUDIT_SCHEMA_VERSION,
    kind: own.kind,
    traceId: shared.traceId,
    principal: shared.principal,
    sessionId: shared.sessionId,
    era: shared.era,
    protocolVersion: shared.protocolVersion,
    httpMethod: shared.httpMethod,
    path: shared.path,
    sourceIp: shared.sourceIp,
    userAgent: shared.userAgent,
    method: own.method,
    rpcId: own.rpcId,
    tool: own.tool,
    argsDigest: own.argsDigest,
    argsBytes: own.argsBytes,
    args: own.args,
    outcome: own.outcome,
    httpStatus: own.httpStatus,
    rpcErrorCode: own.rpcErrorCode,
    error: own.error,
    decision: own.decision,
    policies: own.policies,
    durationMs: own.durationMs,
    bytesOut: own.bytesOut,
    chunksOut: own.chunksOut,
    stream: '',
    seq: 0,
    prev: '',
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

/** Every key buildRecord writes, chain fields included (canonicalView covers exactly these). */
const RECORD_KEYS: ReadonlySet<string> = new Set([
  'args',
  'argsBytes',
  'argsDigest',
  'bytesOut',
  'chunksOut',
  'cold_start',
  'decision',
  'durationMs',
  'era',
  'error',
  'function_name',
  'function_request_id',
  'function_version',
  'httpMethod',
  'httpStatus',
  'kind',
  'level',
  'message',
  'method',
  'outcome',
  'path',
  'policies',
  'prev',
  'principal',
  'protocolVersion',
  'rpcErrorCode',
  'rpcId',
  'schema',
  'seq',
  'service',
  'sessionId',
  'sourceIp',
  'stream',
  'timestamp',
  'tool',
  'traceId',
  'userAgent',
  'xray_trace_id',
]);
const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['sub', 'clientId', 'scopes', 'jti']);

/**
 * The same members as a (redacted, linked) record of buildRecord, as a fresh literal with its keys in
 * canonical order (sorted by UTF-16 code units, principal's too): where chain.seal finds that its native
 * JSON is canonical (stringifiesCanonically), it hashes that instead of sorting the record (canonicalJson).
 * undefined when the record holds a key this view would not carry (then canonicalJson decides).
 */
export function canonicalView(record: object): object | undefined {
  const r = record as Record<string, unknown>;
  for (const k in r) if (!RECORD_KEYS.has(k)) return undefined;
  let principal = r.principal as Record<string, unknown> | undefined;
  if (typeof principal === 'object' && principal !== null) {
    for (const k in principal) if (!PRINCIPAL_KEYS.has(k)) return undefined;
    principal = { clientId: principal.clientId, jti: principal.jti, scopes: principal.scopes, sub: principal.sub };
  }
  return {
    args: r.args,
    argsBytes: r.argsBytes,
    argsDigest: r.argsDigest,
    bytesOut: r.bytesOut,
    chunksOut: r.chunksOut,
    cold_start: r.cold_start,
    decision: r.decision,
    durationMs: r.durationMs,
    era: r.era,
    error: r.error,
    function_name: r.function_name,
    function_request_id: r.function_request_id,
    function_version: r.function_version,
    httpMethod: r.httpMethod,
    httpStatus: r.httpStatus,
    kind: r.kind,
    level: r.level,
    message: r.message,
    method: r.method,
    outcome: r.outcome,
    path: r.path,
    policies: r.policies,
    prev: r.prev,
    principal,
    protocolVersion: r.protocolVersion,
    rpcErrorCode: r.rpcErrorCode,
    rpcId: r.rpcId,
    schema: r.schema,
    seq: r.seq,
    service: r.service,
    sessionId: r.sessionId,
    sourceIp: r.sourceIp,
    stream: r.stream,
    timestamp: r.timestamp,
    tool: r.tool,
    traceId: r.traceId,
    userAgent: r.userAgent,
    xray_trace_id: r.xray_trace_id,
  };
}
