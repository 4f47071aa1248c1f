// The CloudWatch metrics, derived from the audit records each request already produces (one source of truth:
// a metric never disagrees with the audit log). Pure: records in, data points out; emf.ts writes them.
//
//   metric          unit          dimensions          from
//   ToolCalls       Count         service, tool       each tools/call (any outcome)   also summed per service
//   ToolErrors      Count (0/1)   service, tool       a call whose outcome is a failure of ours (isToolFailure)
//   ToolDuration    Milliseconds  service, tool       durationMs of the call
//   Unauthorized    Count         service             httpStatus 401
//   Forbidden       Count         service             httpStatus 403
//   StreamBytesOut  Bytes         service             bytesOut: body bytes handed to the response stream

export const METRIC = {
  toolCalls: 'ToolCalls',
  toolErrors: 'ToolErrors',
  toolDuration: 'ToolDuration',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  streamBytesOut: 'StreamBytesOut',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
export type MetricUnitName = 'Count' | 'Milliseconds' | 'Bytes';

/** The dimension value for a tool the server does not declare (caller-chosen names never become dimensions). */
export const UNKNOWN_TOOL = 'unknown';

export interface MetricPoint {
  name: MetricName;
  unit: MetricUnitName;
  value: number;
  /** The `tool` dimension; absent for the per-service points. */
  tool?: string;
}

/** The audit record fields the metrics read (structurally a subset of lib/audit's AuditRecord). */
export interface MeteredRecord {
  kind: string;
  tool?: string | undefined;
  outcome: string;
  httpStatus?: number | undefined;
  durationMs: number;
  bytesOut?: number | undefined;
}

// Outcomes that are the caller's doing or the caller's choice: not an error of the tool or the server.
const NOT_OUR_FAILURE = new Set(['ok', 'aborted', 'denied', 'not_found', 'rate_limited', 'too_large', 'bad_request']);

/** True when a tool call's outcome counts as a ToolError; unknown (future) outcomes count, to err loudly. Pure. */
export function isToolFailure(outcome: string): boolean {
  return !NOT_OUR_FAILURE.has(outcome);
}

/** The `tool` dimension for a name: itself when declared, else UNKNOWN_TOOL. Pure given a pure predicate. */
export function toolDimension(name: string, isDeclaredTool: (name: string) => boolean): string {
  return isDeclaredTool(name) ? name : UNKNOWN_TOOL;
}

export interface FromRecordOptions {
  isDeclaredTool: (name: string) => boolean;
  /**
   * false for a `request` record whose calls were already counted from its `tool_call` records (a batch),
   * so a call is never counted twice.
   */
  countTool?: boolean;
}

// EMF has no NaN or Infinity (JSON writes null), and amounts here are never negative.
const isAmount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** The data points one audit record yields. Pure. */
export function metricsFromAuditRecord(record: MeteredRecord, opts: FromRecordOptions): MetricPoint[] {
  const points: MetricPoint[] = [];
  if (typeof record.tool === 'string' && record.tool !== '' && opts.countTool !== false) {
    const tool = toolDimension(record.tool, opts.isDeclaredTool);
    const failed = isToolFailure(record.outcome) ? 1 : 0;
    points.push(
      { name: METRIC.toolCalls, unit: 'Count', value: 1, tool },
      { name: METRIC.toolErrors, unit: 'Count', value: failed, tool },
    );
    if (isAmount(record.durationMs)) {
      points.push({ name: METRIC.toolDuration, unit: 'Milliseconds', value: record.durationMs, tool });
    }
    points.push(
      { name: METRIC.toolCalls, unit: 'Count', value: 1 },
      { name: METRIC.toolErrors, unit: 'Count', value: failed },
    );
  }
  if (record.kind !== 'request') return points;
  if (record.httpStatus === 401) points.push({ name: METRIC.unauthorized, unit: 'Count', value: 1 });
  if (record.httpStatus === 403) points.push({ name: METRIC.forbidden, unit: 'Count', value: 1 });
  if (isAmount(record.bytesOut)) points.push({ name: METRIC.streamBytesOut, unit: 'Bytes', value: record.bytesOut });
  return points;
}

/** A prototype-safe membership predicate for a list of declared tool names. */
export function declaredTools(names: Iterable<string>): (name: string) => boolean {
  const set = new Set(names);
  return (name) => set.has(name);
}

const declared = new Set<string>();

/** Names the tools this process serves (the server factory calls it), so they may become a metric dimension. */
export function declareTools(names: Iterable<string>): void {
  for (const n of names) declared.add(n);
}

/** Whether a tool name was declared by this process; caller-chosen names are not. */
export function isDeclaredTool(name: string): boolean {
  return declared.has(name);
}
