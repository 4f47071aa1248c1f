// One run of a conformance CLI (`server` or `authorization`, either pinned version): spawns it, follows the
// scenarios it announces, and turns the `checks.json` files it leaves in `outDir` into one result per scenario.
// A scenario it announced but left no checks for is a failure, and so is a run that announced nothing.
//
//   runCli({ cli, args, outDir, label, say, onLine }): Promise<ScenarioResult[]>
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Check, missingResult, type ScenarioResult, scenarioOfResultDir, scenarioResult } from './verdict.ts';

export interface CliRun {
  /** Path of the CLI's dist/index.js. */
  cli: string;
  /** Its arguments; `-o outDir` is added. */
  args: string[];
  outDir: string;
  /** Shown in progress lines. */
  label: string;
  say(line: string): void;
  /** Sees every stdout line (the authorization run answers the login prompt from here). */
  onLine?(line: string): void;
  /** Scenarios to expect even if the CLI never announces them (a single --scenario). */
  expect?: string[];
  /** Registers the child so the caller can stop it on timeout. */
  children: Set<ChildProcess>;
  /** Sees the child once spawned (the authorization run ends it when its scripted login fails). */
  onSpawn?(child: ChildProcess): void;
  cwd: string;
}

const ANNOUNCED = [/^=== Running scenario: (\S+) ===/, /^Running client scenario for authorization server '([^']+)'/];
const COUNT = /^Running \w+ suite \((\d+) scenarios\)/;

export function runCli(run: CliRun): Promise<ScenarioResult[]> {
  const child = spawn(process.execPath, [run.cli, ...run.args, '-o', run.outDir], {
    cwd: run.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  run.children.add(child);
  run.onSpawn?.(child);
  const announced: string[] = [...(run.expect ?? [])];
  let expectedCount: number | undefined = run.expect?.length || undefined;
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      run.onLine?.(line);
      const count = COUNT.exec(line);
      if (count) expectedCount = Number(count[1]);
      const scenario = ANNOUNCED.map((re) => re.exec(line)?.[1]).find(Boolean);
      if (scenario && !announced.includes(scenario)) {
        announced.push(scenario);
        run.say(`${run.label}: ${scenario} (${announced.length}/${expectedCount ?? '?'})`);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      run.children.delete(child);
      const byScenario = new Map<string, ScenarioResult>();
      for (const dir of existsSync(run.outDir) ? readdirSync(run.outDir) : []) {
        const scenario = scenarioOfResultDir(dir);
        const file = path.join(run.outDir, dir, 'checks.json');
        if (scenario && existsSync(file))
          byScenario.set(scenario, scenarioResult(scenario, JSON.parse(readFileSync(file, 'utf8')) as Check[]));
      }
      const why = signal ? `suite killed (${signal}), run cut off` : `no result (suite exited ${code})`;
      const results = announced.map((s) => byScenario.get(s) ?? missingResult(s, why));
      if (expectedCount !== undefined && announced.length < expectedCount)
        results.push(missingResult(`(${expectedCount - announced.length} scenarios never ran)`, why));
      if (announced.length === 0) results.push(missingResult('(suite)', `${why}\n${stderr.slice(-2000)}`));
      resolve(results);
    });
  });
}
