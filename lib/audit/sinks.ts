// Where audit records go: stdout (JSON lines, kept by CloudWatch Logs) unless AUDIT_SINK=off, plus a
// DynamoDB table (item shape in item.ts) with AUDIT_SINK=dynamodb. A failing sink never fails or delays
// the request: the failure becomes ONE line on stderr and the other sinks (stdout first) still get the
// record. The stdout sink and the metrics sink write through the process's stdout batch, which the
// dispatcher corks while it hands one request's records out: their lines leave in one write.

import type { Config } from '../config.ts';
import { isDeclaredTool, type LineBatch, metricsSink, stdoutLines } from '../telemetry/index.ts';
import type { AuditRecord, AuditSink } from './record.ts';
import { redactString } from './redact.ts';

export { auditItem, BY_DAY_INDEX, ITEM_KEY_ATTRIBUTES, principalKey, recordFromItem } from './item.ts';
export type { AuditSink } from './record.ts';

/** One JSON line per record (the line the auditor already serialised, when it hands one over). */
export function stdoutSink(write: (line: string) => void = (line) => stdoutLines.write(line)): AuditSink {
  return {
    name: 'stdout',
    write(record, line) {
      write(`${line ?? JSON.stringify(record)}\n`);
    },
  };
}

/** The sinks AUDIT_SINK selects. */
export function sinksFor(cfg: Config): AuditSink[] {
  if (cfg.audit.sink === 'off') return [];
  const sinks = [stdoutSink()];
  if (cfg.audit.sink === 'dynamodb') sinks.push(lazyDynamoDbSink(cfg));
  if (cfg.ops.metricsEnabled)
    sinks.push(
      metricsSink({ namespace: cfg.ops.metricsNamespace, service: cfg.ops.serviceName, tools: isDeclaredTool }),
    );
  return sinks;
}

/**
 * The DynamoDB sink, loaded on the first record: the AWS SDK stays out of cold start and out of
 * every instance that writes to stdout only.
 */
function lazyDynamoDbSink(cfg: Config): AuditSink {
  let real: Promise<AuditSink> | undefined;
  return {
    name: 'dynamodb',
    async write(record) {
      real ??= (async () => {
        const [m, store] = await Promise.all([import('./dynamodb.ts'), import('../store/index.ts')]);
        const d = await store.dynamoClient(cfg.store);
        return m.dynamoDbSink({ doc: d.doc, table: cfg.audit.table, ttlDays: cfg.audit.ttlDays });
      })();
      await (await real).write(record);
    },
  };
}

export interface Dispatcher {
  /**
   * Hands the records (all those one request ends with, in order) to every sink and returns at once; never
   * throws. `lines[i]`, when given, is records[i] as JSON. The stdout batch is corked meanwhile.
   */
  emit(records: readonly AuditRecord[], lines?: readonly (string | undefined)[]): void;
  /** Waits for pending asynchronous writes (at most timeoutMs, default 2000). Never throws. */
  flush(opts?: { timeoutMs?: number }): Promise<void>;
}

/** Hands each record to every sink without waiting; flush() waits (bounded) for the writes still pending. */
export function createDispatcher(
  sinks: AuditSink[],
  opts: { stderr?: (line: string) => void; lines?: LineBatch } = {},
): Dispatcher {
  const stderr = opts.stderr ?? ((line: string) => void process.stderr.write(line));
  const batch = opts.lines ?? stdoutLines;
  const pending = new Set<Promise<void>>();
  const report = (sink: AuditSink, record: AuditRecord | undefined, err: unknown) => {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const line = {
      level: 'ERROR',
      message: `audit sink "${sink.name}" failed: ${redactString(reason).slice(0, 500)}`,
      timestamp: new Date().toISOString(),
      function_request_id: record?.function_request_id,
      audit_stream: record?.stream,
      audit_seq: record?.seq,
    };
    try {
      stderr(`${JSON.stringify(line)}\n`);
    } catch {
      // Nowhere left to report to; the request must still not fail.
    }
  };
  return {
    emit(records, lines) {
      batch.cork();
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        for (const sink of sinks) {
          try {
            const result = sink.write(record, lines?.[i]);
            if (result && typeof (result as Promise<void>).then === 'function') {
              const p: Promise<void> = (result as Promise<void>)
                .catch((err: unknown) => report(sink, record, err))
                .finally(() => pending.delete(p));
              pending.add(p);
            }
          } catch (err) {
            report(sink, record, err);
          }
        }
      }
      try {
        batch.uncork();
      } catch (err) {
        report({ name: 'stdout', write() {} }, records[records.length - 1], err);
      }
    },
    async flush({ timeoutMs = 2_000 } = {}) {
      if (pending.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([Promise.allSettled([...pending]), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        report(
          { name: 'flush', write() {} },
          undefined,
          new Error(`${pending.size} write(s) still pending after ${timeoutMs} ms`),
        );
      }
    },
  };
}
