// Writes metric points as CloudWatch Embedded Metric Format lines with Powertools Metrics. Loaded lazily
// by the metrics sink (on its first flush, after the response has gone), so Lambda init and the PRM and
// 401 paths never load it.
//
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
  /** Writes the points: at most one EMF line per dimension set (Powertools splits at 100 values). */
  publish(points: readonly MetricPoint[]): void;
}

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, Bytes: MetricUnit.Bytes } as const;
const SERVICE_LEVEL = '';

export function createEmfPublisher({ namespace, service, logger }: EmfPublisherOptions): EmfPublisher {
  const byTool = new Map<string, Metrics>();
  const metricsFor = (tool: string): Metrics => {
    let m = byTool.get(tool);
    if (!m) {
      m = new Metrics({
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
    publish(points) {
      const touched = new Set<Metrics>();
      for (const p of points) {
        const m = metricsFor(p.tool ?? SERVICE_LEVEL);
        m.addMetric(p.name, UNITS[p.unit], p.value);
        touched.add(m);
      }
      for (const m of touched) if (m.hasStoredMetrics()) m.publishStoredMetrics();
    },
  };
}
