// Turns metric points into CloudWatch Embedded Metric Format lines with Powertools Metrics. Loaded lazily
// by the metrics sink (on its first flush, after the response has gone), so Lambda init and the PRM and
// 401 paths never load it.
//
// Powertools builds each document (serializeMetrics: validation, units, dimensions, key collisions); the
// line is handed back as text instead of going through Powertools' own Console (publishStoredMetrics), so
// the sink can write it to stdout in the same write as the request's audit line (stdout.ts). Building is
// costly (every store access reads process.env.AWS_LAMBDA_MAX_CONCURRENCY, InvocationScoped, 2.36.0: about
// 10 reads per document plus 2 per point), so the documents of a list of points are kept and reused, with
// a fresh Timestamp, when the same points come again (8.7 -> 2.2 µs for a tools/call's points alone).
//
// Powertools' addDimensions() cannot merge the two documents of a tool call: its dimension sets share one
// Metrics list, so StreamBytesOut would gain a [service, tool] series and ToolDuration a [service] one.
// An EMF document applies one set of dimensions to all its metrics, so there is one Powertools Metrics
// per dimension set: one for the per-service points ([service]) and one per tool ([service, tool]). Tool
// dimensions are only declared tools and `unknown`, so the number of instances is bounded.

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OpsLogger } from './logger.ts';
import type { MetricPoint } from './metrics.ts';

export interface EmfPublisherOptions {
  namespace: string;
  service: string;
  /** Where Powertools' own warnings go (redacted like every operational line). */
  logger: OpsLogger;
}

export interface EmfPublisher {
  /**
   * The EMF lines of the points (each ending in "\n"), one per dimension set, in the order the sets first
   * appear; '' when there is nothing to publish or POWERTOOLS_METRICS_DISABLED (or POWERTOOLS_DEV) turns
   * Powertools Metrics off.
   */
  serialize(points: readonly MetricPoint[]): string;
}

type EmfDocument = ReturnType<Metrics['serializeMetrics']>;

/** Powertools Metrics that hands its EMF document back instead of writing it to its Console. */
class LineMetrics extends Metrics {
  /** What publishStoredMetrics() does, minus its console.log: the document (none if empty or disabled), a cleared store. */
  takeDocument(): EmfDocument | undefined {
    try {
      return !this.isDisabled() && this.hasStoredMetrics() ? this.serializeMetrics() : undefined;
    } finally {
      this.clearMetrics();
    }
  }
}

// Documents Powertools built, by the exact points they came from. serializeMetrics is a pure function of the
// points but for its Timestamp (Date.now(): no timestamp is ever set here), so the same points give the same
// documents with a fresh Timestamp. In a warm tools/call, building them cost ~27 µs of ~164 (bench/cpu.ts, the
// "no metrics" diagnostic); most requests repeat a handful of point sets (same tool, outcome, a duration of a few
// ms, the same byte count), so they are built once. Bounded: emptied when full.
const MEMO_MAX = 512;
// Points at or over Powertools' 100 values per metric make it write the first 100 itself: never memoised.
const MEMO_MAX_POINTS = 99;

/** The memo key of a list of points: order, tool, name, unit and value of each (caller input never reaches it). */
function pointsKey(points: readonly MetricPoint[]): string {
  let key = '';
  for (const p of points) key += `${p.tool ?? ''}\u0000${p.name}\u0000${p.unit}\u0000${p.value}\u0001`;
  return key;
}

/** The lines of documents, each with the Timestamp Powertools would give now. */
function linesOf(docs: readonly EmfDocument[], now: number): string {
  let lines = '';
  for (const doc of docs) {
    doc._aws.Timestamp = now;
    lines += `${JSON.stringify(doc)}\n`;
  }
  return lines;
}

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, Bytes: MetricUnit.Bytes } as const;
const SERVICE_LEVEL = '';

export function createEmfPublisher({ namespace, service, logger }: EmfPublisherOptions): EmfPublisher {
  const byTool = new Map<string, LineMetrics>();
  const metricsFor = (tool: string): LineMetrics => {
    let m = byTool.get(tool);
    if (!m) {
      m = new LineMetrics({
        namespace,
        serviceName: service,
        logger,
        ...(tool === SERVICE_LEVEL ? {} : { defaultDimensions: { tool } }),
      });
      byTool.set(tool, m);
    }
    return m;
  };
  const build = (points: readonly MetricPoint[]): EmfDocument[] => {
    const touched = new Set<LineMetrics>();
    for (const p of points) {
      const m = metricsFor(p.tool ?? SERVICE_LEVEL);
      m.addMetric(p.name, UNITS[p.unit], p.value);
      touched.add(m);
    }
    const docs: EmfDocument[] = [];
    // (A metric reaching 100 values in one call, a batch of 100+ calls of one tool, makes Powertools write
    // the first 100 through its own Console inside addMetric, as before; the rest come back here.)
    for (const m of touched) {
      const doc = m.takeDocument();
      if (doc) docs.push(doc);
    }
    return docs;
  };
  const memo = new Map<string, EmfDocument[]>();
  return {
    serialize(points) {
      if (points.length > MEMO_MAX_POINTS) return linesOf(build(points), Date.now());
      const key = pointsKey(points);
      let docs = memo.get(key);
      if (!docs) {
        docs = build(points);
        if (memo.size >= MEMO_MAX) memo.clear();
        memo.set(key, docs);
      }
      return linesOf(docs, Date.now());
    },
  };
}
