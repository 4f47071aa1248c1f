// Operational telemetry: the redacting Powertools logger, per-invocation log keys, a per-cause line limiter,
// and CloudWatch metrics (EMF) derived from the audit records. The audit record itself stays in lib/audit.
// emf.ts (Powertools Metrics) is not exported: the metrics sink loads it lazily, off the init and 401 paths.
export { type InvocationIds, type InvocationKeys, invocationKeys, withInvocation } from './invocation.ts';
export { createLogger, type LogFields, type LoggerOptions, log, type OpsLogger } from './logger.ts';
export {
  declaredTools,
  declareTools,
  isDeclaredTool,
  isToolFailure,
  METRIC,
  type MeteredRecord,
  type MetricName,
  type MetricPoint,
  type MetricUnitName,
  metricsFromAuditRecord,
  toolDimension,
  UNKNOWN_TOOL,
} from './metrics.ts';
export {
  type MetricsSink,
  type MetricsSinkOptions,
  metricsSink,
  preloadMetrics,
  type SinkRecord,
} from './metrics-sink.ts';
export {
  createLineLimiter,
  type LineLimiter,
  type LineLimiterOptions,
  type RateLimitedLogger,
  rateLimited,
} from './rate-limit.ts';
export { createRedactingReplacer, MAX_LOGGED_STRING, redactLogString } from './redaction.ts';
export { type LineBatch, lineBatch, stdoutLines } from './stdout.ts';
