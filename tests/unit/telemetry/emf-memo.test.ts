// lib/telemetry/emf.ts reuses the EMF documents Powertools built for the exact same points, with a fresh
// Timestamp. The memoised publisher must write exactly what a publisher that builds every document with
// Powertools writes: checked here against a fresh publisher per call, over generated point lists, with the
// clock held still so whole lines can be compared.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmfPublisher } from '../../../lib/telemetry/emf.ts';
import { log as logger } from '../../../lib/telemetry/logger.ts';
import type { MetricPoint } from '../../../lib/telemetry/metrics.ts';

const options = { namespace: 'McpLambdaStack', service: 'mcp-lambda-stack', logger };

const point: fc.Arbitrary<MetricPoint> = fc
  .record({
    metric: fc.constantFrom(
      ['ToolCalls', 'Count'],
      ['ToolErrors', 'Count'],
      ['ToolDuration', 'Milliseconds'],
      ['Unauthorized', 'Count'],
      ['Forbidden', 'Count'],
      ['StreamBytesOut', 'Bytes'],
    ),
    tool: fc.option(fc.constantFrom('echo', 'stream_demo', 'unknown'), { nil: undefined }),
    value: fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
    ),
  })
  .map(({ metric: [name, unit], tool, value }) => ({ name, unit, value, ...(tool ? { tool } : {}) }) as MetricPoint);

afterEach(() => vi.restoreAllMocks());

describe('EMF documents reused for the same points', () => {
  it('writes exactly what Powertools builds afresh, on the first call and on every repeat', () => {
    const memoised = createEmfPublisher(options);
    let now = 1_796_000_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    fc.assert(
      fc.property(
        fc.array(fc.array(point, { minLength: 0, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        (lists) => {
          // Each list twice (a miss, then a hit), interleaved with the others, the clock moving in between.
          for (const points of [...lists, ...lists]) {
            now += 7;
            const fresh = createEmfPublisher(options).serialize(points);
            expect(memoised.serialize(points)).toBe(fresh);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a repeat carries the Timestamp of its own moment, not the first one', () => {
    const pub = createEmfPublisher(options);
    const points: MetricPoint[] = [
      { name: 'Unauthorized', unit: 'Count', value: 1 },
      { name: 'StreamBytesOut', unit: 'Bytes', value: 52 },
    ];
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const first = JSON.parse(pub.serialize(points));
    clock.mockReturnValue(2_000);
    const second = JSON.parse(pub.serialize(points));
    expect(first._aws.Timestamp).toBe(1_000);
    expect(second._aws.Timestamp).toBe(2_000);
    expect({ ...second, _aws: { ...second._aws, Timestamp: 0 } }).toEqual({
      ...first,
      _aws: { ...first._aws, Timestamp: 0 },
    });
  });

  it('stays right past its bound (more distinct point sets than it keeps)', () => {
    const pub = createEmfPublisher(options);
    vi.spyOn(Date, 'now').mockReturnValue(5_000);
    for (let i = 0; i < 1_200; i++) {
      const points: MetricPoint[] = [{ name: 'ToolDuration', unit: 'Milliseconds', value: i % 700, tool: 'echo' }];
      expect(pub.serialize(points)).toBe(createEmfPublisher(options).serialize(points));
    }
  });

  it('no points, no line', () => {
    expect(createEmfPublisher(options).serialize([])).toBe('');
  });
});
