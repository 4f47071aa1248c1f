// Pure statistics and goal checks for the bench harness (unit-tested in tests/unit/bench).
//
//   percentile(sorted, p): number          nearest-rank percentile of an ascending array (p in 0..100)
//   summarize(samples): Summary            { n, min, median, p95, p99, max, mean } (NaN fields when empty)
//   ratio(a, b): number                    a / b, NaN when b is 0 or either is not finite
//   checkGoal(goal, measured): GoalResult  met or missed, with how far from the target, as a sentence
//   fmt(n, digits?): string                fixed digits, '—' for NaN/undefined

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    n: s.length,
    min: s.length ? s[0]! : Number.NaN,
    median: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
    mean,
  };
}

export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

export function fmt(n: number | undefined, digits = 1): string {
  return n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);
}

/** A goal: the measured value must be at most (`<=`) or at least (`>=`) the target. */
export interface Goal {
  name: string;
  op: '<=' | '>=';
  target: number;
  unit: string;
}

export interface GoalResult {
  goal: Goal;
  measured: number;
  met: boolean | undefined;
  /** e.g. "met (4.2 ms ≤ 10 ms)" or "MISSED by 3.1 ms (13.1 ms > 10 ms; 1.31× the target)". */
  verdict: string;
}

export function checkGoal(goal: Goal, measured: number): GoalResult {
  const u = goal.unit ? ` ${goal.unit}` : '';
  const m = `${fmt(measured, 2)}${u}`;
  const t = `${fmt(goal.target, 2)}${u}`;
  if (!Number.isFinite(measured)) return { goal, measured, met: undefined, verdict: 'not measured' };
  const met = goal.op === '<=' ? measured <= goal.target : measured >= goal.target;
  if (met) return { goal, measured, met, verdict: `met (${m} ${goal.op === '<=' ? '≤' : '≥'} ${t})` };
  const by = Math.abs(measured - goal.target);
  const times = ratio(measured, goal.target);
  const cmp = goal.op === '<=' ? '>' : '<';
  return {
    goal,
    measured,
    met,
    verdict: `MISSED by ${fmt(by, 2)}${u} (${m} ${cmp} ${t}; ${fmt(times, 2)}× the target)`,
  };
}

/** The mean without the highest and lowest 10 % of the samples (at least one stays); NaN for none. */
export function trimmedMean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length / 10);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((t, x) => t + x, 0) / kept.length;
}
