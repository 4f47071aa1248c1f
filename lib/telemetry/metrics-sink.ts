// An audit sink (the shape of lib/audit's AuditSink: { name, write(record) }) that turns each audit record
// into CloudWatch metrics. write() only computes data points; they are published as EMF lines on the next
// turn of the event loop, so all records one request ends with (its tool_call records, then its request
// record) go out together, one line per dimension set. write() returns that publication's promise: the
// audit dispatcher keeps it pending, and the auditor.flush() each invocation already awaits covers it.
// Once the EMF module is loaded, a `request` record (always the last record of its request) publishes at
// once: waiting a turn of the event loop and a bounded flush for it cost ~40 % of a 401's CPU (bench/cpu.ts).
// The lines go to `out` (default: the process's stdout batch, which the audit dispatcher corks while it
// hands a request's records to the sinks, so they leave in the same write as the audit lines).
import type { EmfPublisher } from './emf.ts';
import { type OpsLogger, log as sharedLog } from './logger.ts';
import { type MeteredRecord, type MetricPoint, metricsFromAuditRecord } from './metrics.ts';
import { rateLimited } from './rate-limit.ts';
import { stdoutLines } from './stdout.ts';

export interface MetricsSinkOptions {
  /** POWERTOOLS_METRICS_NAMESPACE (cfg.ops.metricsNamespace). */
  namespace: string;
  /** The `service` dimension (cfg.ops.serviceName). */
  service: string;
  /** The tools the server declares (names or a predicate); any other name is counted as `unknown`. */
  tools: Iterable<string> | ((name: string) => boolean);
  /** Defaults to the shared operational logger. */
  logger?: OpsLogger;
  /** Where the EMF lines go (whole lines); defaults to stdoutLines.write. */
  out?: (text: string) => void;
}

/** A record the sink reads: the metered fields plus the request id that ties tool_call records to their request. */
export interface SinkRecord extends MeteredRecord {
  function_request_id: string;
}

export interface MetricsSink {
  readonly name: 'metrics';
  /**
   * A promise while points wait for a publication; undefined once they are out (a `request` record with the
   * EMF module loaded): nothing is left for the audit dispatcher to track, so auditor.flush() has nothing to
   * wait for (a settled promise would still cost it a timer and a race per request).
   */
  write(record: SinkRecord): Promise<void> | undefined;
  /** Publishes what is pending now (also done automatically after each write). Never throws. */
  flush(): Promise<void>;
}

// Points kept before a publication is forced, should the event loop never get to the scheduled one.
const MAX_PENDING_POINTS = 1000;

/**
 * Loads the EMF module (Powertools Metrics) ahead of the first metrics, for an environment initialised ahead of
 * traffic (lib/apps/mcp.ts, provisioned concurrency); every sink's own lazy import then finds it loaded. Never rejects.
 */
export function preloadMetrics(): Promise<void> {
  return import('./emf.ts').then(
    () => undefined,
    () => undefined,
  );
}

export function metricsSink(opts: MetricsSinkOptions): MetricsSink {
  const logger = opts.logger ?? sharedLog;
  const out = opts.out ?? ((text: string) => stdoutLines.write(text));
  const failures = rateLimited(logger, { intervalMs: 60_000 });
  const names = typeof opts.tools === 'function' ? undefined : new Set(opts.tools);
  const isDeclaredTool = typeof opts.tools === 'function' ? opts.tools : (n: string) => names!.has(n);
  let pending: MetricPoint[] = [];
  let scheduled: Promise<void> | undefined;
  let publisher: Promise<EmfPublisher> | undefined;
  // The request whose tool_call records were just counted: its request record must not count its first tool again.
  let batchRequestId: string | undefined;
  let loaded: EmfPublisher | undefined;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      publisher ??= import('./emf.ts').then((m) =>
        m.createEmfPublisher({ namespace: opts.namespace, service: opts.service, logger }),
      );
      loaded = await publisher;
      const lines = loaded.serialize(batch);
      if (lines) out(lines);
    } catch (error) {
      publisher = undefined;
      loaded = undefined;
      failures.warn('emf', 'metrics not published', { error, points: batch.length });
    }
  };

  /** Publishes what is pending with the loaded publisher, now (the request's points are complete). */
  const publishNow = (emf: EmfPublisher): undefined => {
    const batch = pending;
    pending = [];
    try {
      const lines = batch.length > 0 ? emf.serialize(batch) : '';
      if (lines) out(lines);
    } catch (error) {
      failures.warn('emf', 'metrics not published', { error, points: batch.length });
    }
    return undefined;
  };

  return {
    name: 'metrics',
    write(record) {
      const countTool = !(record.kind === 'request' && record.function_request_id === batchRequestId);
      batchRequestId = record.kind === 'tool_call' ? record.function_request_id : undefined;
      try {
        pending.push(...metricsFromAuditRecord(record, { isDeclaredTool, countTool }));
      } catch (error) {
        // A throwing tools predicate must not become an audit sink failure on every request.
        failures.warn('derive', 'metrics not derived', { error });
      }
      if (record.kind === 'request' && loaded) return publishNow(loaded);
      if (pending.length >= MAX_PENDING_POINTS) return flush();
      scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        scheduled = undefined;
        return flush();
      });
      return scheduled;
    },
    flush,
  };
}
