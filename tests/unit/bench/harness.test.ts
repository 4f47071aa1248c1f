// The bench harness's statistics, goal verdicts and report formatting (no performance is measured here).
import * as vl from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { type BenchResults, chartSpec, goalsOf, renderMarkdown } from '../../../bench/report.ts';
import { checkGoal, percentile, ratio, summarize } from '../../../bench/stats.ts';
import { sseEvents } from '../../../bench/stream-latency.ts';

const s = (xs: number[]) => summarize(xs);

function fixture(over: Partial<BenchResults> = {}): BenchResults {
  return {
    date: '2026-01-01 00:00',
    node: '24.0.0',
    machine: '2 × test cpu, 24 GiB',
    runsPerBundle: 20,
    cold: [
      {
        label: 'mcp',
        note: 'dist/mcp',
        bytes: 2048,
        gzipBytes: 1024,
        totalBytes: 4096,
        totalGzipBytes: 2048,
        importMs: s([90, 100, 110]),
        firstResponseMs: s([120]),
        rssMb: s([60]),
        statuses: [401],
      },
      {
        label: 'prm',
        note: 'dist/prm',
        bytes: 100,
        gzipBytes: 50,
        importMs: s([1, 2, 3]),
        firstResponseMs: s([30]),
        rssMb: s([45]),
        statuses: [200],
      },
      {
        label: 'reference',
        note: 'sdk',
        bytes: 4096,
        gzipBytes: 900,
        importMs: s([60, 75, 80]),
        firstResponseMs: s([80]),
        rssMb: s([55]),
        statuses: [401],
      },
    ],
    breakdown: { mcp: [{ pkg: 'zod', bytes: 4096 }] },
    warm: [
      {
        label: 'ours',
        note: 'host',
        rps: 900,
        p50Ms: 9,
        p99Ms: 40,
        maxMs: 60,
        requests: 9000,
        non2xx: 0,
        errors: 0,
        idleRssMb: 120,
        loadedRssMb: 150,
      },
      {
        label: 'sdk',
        note: 'sdk',
        rps: 3000,
        p50Ms: 2,
        p99Ms: 12,
        maxMs: 20,
        requests: 30000,
        non2xx: 0,
        errors: 0,
        idleRssMb: 60,
        loadedRssMb: 90,
      },
      {
        label: 'raw',
        note: 'raw',
        rps: 25000,
        p50Ms: 0,
        p99Ms: 1,
        maxMs: 5,
        requests: 250000,
        non2xx: 0,
        errors: 0,
        idleRssMb: 45,
        loadedRssMb: 50,
      },
    ],
    warmConnections: 10,
    warmDurationSec: 10,
    jwksFetchesDuringWarmLoad: 0,
    stream: [
      {
        label: 'local host',
        chunks: 3,
        latency: s([0, 1, 2]),
        firstChunk: s([1, 1, 2]),
        firstChunkAfterRequest: s([8]),
      },
      { label: 'via Traefik', skipped: 'TRAEFIK_BIN not set' },
    ],
    jwt: {
      perAlgorithmMs: 100,
      jwksFetchesDuringWarmLoop: 0,
      results: { RS256: { verificationsPerSec: 5000, p50Us: 180, p99Us: 400 } },
    },
    elapsedSec: 120,
    ...over,
  };
}

describe('stats', () => {
  it('takes nearest-rank percentiles of a sorted array', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples without mutating them', () => {
    const xs = [5, 1, 3, 2, 4];
    expect(summarize(xs)).toEqual({ n: 5, min: 1, median: 3, p95: 5, p99: 5, max: 5, mean: 3 });
    expect(xs).toEqual([5, 1, 3, 2, 4]);
    expect(summarize([]).median).toBeNaN();
  });

  it('gives NaN ratios instead of Infinity', () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
  });

  it('says plainly when a goal is missed and by how much', () => {
    const upper = { name: 'x', op: '<=' as const, target: 10, unit: 'ms' };
    expect(checkGoal(upper, 4).met).toBe(true);
    expect(checkGoal(upper, 10).met).toBe(true);
    const missed = checkGoal(upper, 13);
    expect(missed.met).toBe(false);
    expect(missed.verdict).toBe('MISSED by 3.00 ms (13.00 ms > 10.00 ms; 1.30× the target)');
    const lower = checkGoal({ name: 'y', op: '>=', target: 3, unit: '×' }, 0.5);
    expect(lower.met).toBe(false);
    expect(lower.verdict).toContain('0.50 × < 3.00 ×');
    expect(checkGoal(upper, Number.NaN)).toMatchObject({ met: undefined, verdict: 'not measured' });
  });
});

describe('report', () => {
  it('checks every goal against the figures of the same run', () => {
    const goals = goalsOf(fixture());
    // The issue #18 goals (the last six) say "not measured" when a run has no CPU or first-authenticated rows.
    expect(goals.map((g) => g.met)).toEqual([
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      ...Array(5).fill(undefined),
      false,
    ]);
    expect(goals[0]!.measured).toBeCloseTo(100 / 75);
    expect(goals[3]!.measured).toBeCloseTo(0.3);
  });

  it('judges the issue #18 goals on CPU ratios and the first authenticated answer, and prints the CPU table', () => {
    const cpu = (scenario: string, target: string, cpuUs: number) => ({
      scenario,
      target,
      cpuUs,
      calls: 400,
      status: 200,
    });
    const r = fixture({
      cpu: [
        cpu('tools/call', 'ours', 220),
        cpu('tools/call', 'reference', 200),
        cpu('tools/call', 'reference, no cache', 400),
        cpu('tools/list', 'ours', 100),
        cpu('tools/list', 'reference', 100),
        cpu('401 without a token', 'ours', 50),
        cpu('401 without a token', 'reference', 10),
        cpu('PRM GET', 'ours', 9),
        cpu('PRM GET', 'reference', 10),
      ],
      cold: [
        ...fixture().cold,
        { ...fixture().cold[0]!, label: 'mcp, first authenticated answer', firstResponseMs: s([70]) },
        { ...fixture().cold[0]!, label: 'reference, first authenticated answer', firstResponseMs: s([100]) },
      ],
    });
    const goals = goalsOf(r).slice(7);
    expect(goals.map((g) => g.met)).toEqual([true, true, false, true, true, false]);
    expect(goals[0]!.measured).toBeCloseTo(1.1);
    expect(goals[2]!.measured).toBeCloseTo(5);
    expect(goals[4]!.measured).toBeCloseTo(0.7);
    const md = renderMarkdown(r);
    expect(md).toContain('## CPU per invocation (in process)');
    expect(md).toContain('| tools/call | 220 | 200 | 400 | 1.10× | 0.55× |');
    expect(md).toMatch(/\| 401 without a token CPU ≤ 2× the reference \(in process\) \| \*\*MISSED/);
    expect(md).toContain('include the emulator');
  });

  it('renders the tables, the verdicts in bold when missed, and a skipped Traefik row', () => {
    const md = renderMarkdown(fixture());
    expect(md).toContain('![benchmark chart](results.png)');
    expect(md).toContain('| PRM path import ≤ 10 ms (median) | met (2.00 ms ≤ 10.00 ms) |');
    expect(md).toMatch(/\| warm p99 ≤ 10 ms \| \*\*MISSED by 30\.00 ms/);
    expect(md).toContain('| via Traefik | skipped: TRAEFIK_BIN not set |');
    expect(md).toContain(
      '| mcp | dist/mcp | 2.0 KiB | 1.0 KiB | 4.0 KiB | 2.0 KiB | 90.0 | 100.0 | 110.0 | 120.0 | 120.0 | 60.0 | 401 |',
    );
    expect(md).toContain('JWKS fetches by the host during the warm load: **0**');
    expect(md).toContain('| RS256 | 5000 | 180 | 400 |');
  });

  it('produces a chart spec that Vega-Lite compiles, without NaN data', () => {
    const spec = chartSpec(fixture());
    const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
    expect(compiled.data?.length).toBeGreaterThan(0);
    expect(JSON.stringify(spec)).not.toContain('NaN');
  });
});

describe('SSE splitter', () => {
  it('joins data lines per event across arbitrary chunk boundaries', () => {
    const got: string[] = [];
    const feed = sseEvents((d) => got.push(d));
    feed('id: 1\ndata:\n\nevent: message\ndata: {"a"');
    feed(':1}\r\n\r\ndata: x\ndata: y\n');
    expect(got).toEqual(['{"a":1}']);
    feed('\n');
    expect(got).toEqual(['{"a":1}', 'x\ny']);
    feed('data: z\r');
    feed('\ndata: w\r\n\r\n');
    expect(got).toEqual(['{"a":1}', 'x\ny', 'z\nw']);
  });
});
