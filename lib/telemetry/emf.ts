// Turns metric points into CloudWatch Embedded Metric Format lines with Powertools Metrics. Loaded lazily
// by the metrics sink (on its first flush, after the response has gone), so Lambda init and the PRM and
// 401 paths never load it.
//
// Powertools builds each document (serializeMetrics: validation, units, dimensions, key collisions); the
// line is handed back as text instead of going through Powertools' own Console (publishStoredMetrics), so
// the sink can write it to stdout in the same write as the request's audit line (stdout.ts). What is left is
// Powertools' own: every store access reads process.env.AWS_LAMBDA_MAX_CONCURRENCY (InvocationScoped), about
// 10 reads per document plus 2 per point, ~37 % of this module's CPU in a --cpu-prof of serialize() (2.36.0).
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

/** Powertools Metrics that hands its EMF document back as one line instead of writing it to its Console. */
class LineMetrics extends Metrics {
  /** What publishStoredMetrics() does, minus its console.log: the line ('' if none or disabled), a cleared store. */
  takeLine(): string {
    try {
      return !this.isDisabled() && this.hasStoredMetrics() ? `${JSON.stringify(this.serializeMetrics())}\n` : '';
    } finally {
      this.clearMetrics();
    }
  }
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
  return {
    serialize(points) {
      const touched = new Set<LineMetrics>();
      for (const p of points) {
        const m = metricsFor(p.tool ?? SERVICE_LEVEL);
        m.addMetric(p.name, UNITS[p.unit], p.value);
        touched.add(m);
      }
      let lines = '';
      // (A metric reaching 100 values in one call, a batch of 100+ calls of one tool, makes Powertools write
      // the first 100 through its own Console inside addMetric, as before; the rest come back here.)
      for (const m of touched) lines += m.takeLine();
      return lines;
    },
  };
}
