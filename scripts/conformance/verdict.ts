// Pure pieces of `npm run conformance`: read the expected-failures baseline, turn a scenario's checks
// into a pass/fail, judge a run against the baseline, and print the per-scenario table.
//
//   parseBaseline(text): Map<scenario, reason>          throws on an entry without a `# reason`
//   scenarioResult(scenario, checks): ScenarioResult      fail on any FAILURE or WARNING (the suite's rule)
//   scenarioOfResultDir(dirName): string | undefined      `[authorization-]server-<scenario>-<timestamp>` -> scenario
//   judge(runs, baseline): Verdict                        unexpected failures / passes, unknown entries
//   formatTable(runs, baseline): string

export interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  pass: boolean;
  passed: number;
  failed: number;
  warnings: number;
  /** `id: message` of every FAILURE and WARNING check. */
  problems: string[];
}

/** One suite run (auth off or auth on): the scenarios it ran, in order. */
export interface Run {
  mode: string;
  results: ScenarioResult[];
}

export interface Verdict {
  ok: boolean;
  /** `mode/scenario` that failed without a baseline entry. */
  unexpectedFailures: string[];
  /** `mode/scenario` that passed although the baseline expects a failure: remove the entry. */
  unexpectedPasses: string[];
  expectedFailures: string[];
  /** Baseline entries naming no scenario that ran. */
  unknownEntries: string[];
}

/**
 * The baseline is the suite's own `--expected-failures` YAML shape (a `server:` list), with one rule
 * added: every entry carries a `# reason` comment on its line, so nothing is baselined silently. `section`
 * picks the list (the authorization baseline has one per authorization server).
 */
export function parseBaseline(text: string, section = 'server'): Map<string, string> {
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const head = /^([A-Za-z][\w-]*):\s*(\[\s*\])?\s*(#.*)?$/.exec(line);
    if (head) {
      current = head[1];
      continue;
    }
    const item = /^\s+-\s+([\w./-]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!item) throw new Error(`baseline line ${i + 1}: cannot parse "${line}"`);
    if (current !== section) continue;
    const name = item[1]!;
    const reason = item[2]?.trim();
    if (!reason) throw new Error(`baseline line ${i + 1}: "${name}" needs a "# reason" comment`);
    if (entries.has(name)) throw new Error(`baseline line ${i + 1}: "${name}" is listed twice`);
    entries.set(name, reason);
  }
  return entries;
}

export function scenarioResult(scenario: string, checks: readonly Check[]): ScenarioResult {
  const problems: string[] = [];
  let passed = 0;
  let failed = 0;
  let warnings = 0;
  for (const c of checks) {
    if (c.status === 'SUCCESS') passed++;
    else if (c.status === 'FAILURE' || c.status === 'WARNING') {
      if (c.status === 'FAILURE') failed++;
      else warnings++;
      problems.push(`${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`);
    }
  }
  // Same rule as the suite's own baseline check: a WARNING counts against the scenario.
  return { scenario, pass: failed === 0 && warnings === 0, passed, failed, warnings, problems };
}

/** A scenario that ran but left no checks (the CLI crashed or was cut off). */
export function missingResult(scenario: string, why: string): ScenarioResult {
  return { scenario, pass: false, passed: 0, failed: 1, warnings: 0, problems: [`FAILURE ${scenario}: ${why}`] };
}

const RESULT_DIR = /^(?:authorization-server|server)-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

export function scenarioOfResultDir(dirName: string): string | undefined {
  return RESULT_DIR.exec(dirName)?.[1];
}

export function judge(runs: readonly Run[], baseline: ReadonlyMap<string, string>): Verdict {
  const unexpectedFailures: string[] = [];
  const unexpectedPasses: string[] = [];
  const expectedFailures: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const r of run.results) {
      seen.add(r.scenario);
      const key = `${run.mode}/${r.scenario}`;
      const expected = baseline.has(r.scenario);
      if (!r.pass && !expected) unexpectedFailures.push(key);
      else if (r.pass && expected) unexpectedPasses.push(key);
      else if (!r.pass) expectedFailures.push(key);
    }
  }
  const unknownEntries = [...baseline.keys()].filter((s) => !seen.has(s));
  return {
    ok: unexpectedFailures.length === 0 && unexpectedPasses.length === 0,
    unexpectedFailures,
    unexpectedPasses,
    expectedFailures,
    unknownEntries,
  };
}

function cell(r: ScenarioResult | undefined, expected: boolean): string {
  if (!r) return '-';
  if (r.pass) return expected ? 'PASS (baselined!)' : 'pass';
  const what = r.failed > 0 ? 'FAIL' : 'WARN';
  return expected ? `${what} (expected)` : what;
}

export function formatTable(runs: readonly Run[], baseline: ReadonlyMap<string, string>): string {
  const scenarios: string[] = [];
  for (const run of runs) for (const r of run.results) if (!scenarios.includes(r.scenario)) scenarios.push(r.scenario);
  const header = ['scenario', ...runs.map((r) => r.mode)];
  const rows = scenarios.map((s) => [
    s,
    ...runs.map((run) =>
      cell(
        run.results.find((r) => r.scenario === s),
        baseline.has(s),
      ),
    ),
  ]);
  const totals = ['passed', ...runs.map((run) => `${run.results.filter((r) => r.pass).length}/${run.results.length}`)];
  const all = [header, ...rows, totals];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt), rule, fmt(totals)].join('\n');
}
