// The doctor's report: what each check found, rendered as a checklist for people or as JSON for machines.
//
//   type CheckStatus = 'pass' | 'fail' | 'warn' | 'info' | 'skip'
//   interface Check { id, title, status, detail?, cause?, fix? }    cause + fix are set on every 'fail'
//   interface Step { id, title, checks }; interface DoctorReport { url, ok, steps, startedAt, durationMs }
//   pass(id, title, detail?), fail(id, title, cause, fix, detail?), warn(...), info(...), skip(...)
//   reportOk(steps): boolean          true when no check failed ('warn' does not fail the run)
//   renderText(report, color?): string the readable ✓/✗ checklist
//   exitCodeOf(report): 0 | 1

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info' | 'skip';

export interface Check {
  /** Stable machine name, e.g. `challenge.header-name`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was seen (a value, a URL, a timing). */
  detail?: string;
  /** One line: why it failed. */
  cause?: string;
  /** One line: how to fix it. */
  fix?: string;
  /** Structured facts for --json consumers (never a token). */
  data?: Record<string, unknown>;
}

export interface Step {
  id: string;
  title: string;
  checks: Check[];
}

export interface DoctorReport {
  url: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  steps: Step[];
}

type Extra = { detail?: string; data?: Record<string, unknown> };

function check(id: string, title: string, status: CheckStatus, extra: Extra & { cause?: string; fix?: string }): Check {
  const c: Check = { id, title, status };
  if (extra.detail !== undefined) c.detail = extra.detail;
  if (extra.cause !== undefined) c.cause = extra.cause;
  if (extra.fix !== undefined) c.fix = extra.fix;
  if (extra.data !== undefined) c.data = extra.data;
  return c;
}

export const pass = (id: string, title: string, extra: Extra = {}): Check => check(id, title, 'pass', extra);
export const info = (id: string, title: string, extra: Extra = {}): Check => check(id, title, 'info', extra);
export const skip = (id: string, title: string, why: string): Check => check(id, title, 'skip', { detail: why });
export const fail = (id: string, title: string, cause: string, fix: string, extra: Extra = {}): Check =>
  check(id, title, 'fail', { ...extra, cause, fix });
export const warn = (id: string, title: string, cause: string, fix: string, extra: Extra = {}): Check =>
  check(id, title, 'warn', { ...extra, cause, fix });

export function reportOk(steps: readonly Step[]): boolean {
  return steps.every((s) => s.checks.every((c) => c.status !== 'fail'));
}

export function exitCodeOf(report: DoctorReport): 0 | 1 {
  return report.ok ? 0 : 1;
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', info: 'i', skip: '-' };
const COLORS: Record<CheckStatus, string> = { pass: '32', fail: '31', warn: '33', info: '36', skip: '90' };

export function renderText(report: DoctorReport, color = false): string {
  const paint = (status: CheckStatus, s: string) => (color ? `\x1b[${COLORS[status]}m${s}\x1b[0m` : s);
  const lines = [`mcp-lambda-stack doctor: ${report.url}`, ''];
  report.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}`);
    for (const c of step.checks) {
      lines.push(`   ${paint(c.status, MARKS[c.status])} ${c.title}${c.detail ? `: ${c.detail}` : ''}`);
      if (c.cause) lines.push(`       cause: ${c.cause}`);
      if (c.fix) lines.push(`       fix:   ${c.fix}`);
    }
    lines.push('');
  });
  const all = report.steps.flatMap((s) => s.checks);
  const count = (st: CheckStatus) => all.filter((c) => c.status === st).length;
  lines.push(
    report.ok
      ? paint(
          'pass',
          `All checks passed (${count('pass')} passed, ${count('warn')} warnings, ${count('skip')} skipped).`,
        )
      : paint('fail', `${count('fail')} check(s) failed, ${count('pass')} passed, ${count('warn')} warnings.`),
  );
  return `${lines.join('\n')}\n`;
}
