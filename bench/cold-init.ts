// Cold init: import (which constructs the app at module scope) plus the first answered request, each in
// a fresh Node process (bench/cold-probe.ts), `runs` times, runs of different bundles interleaved so
// machine noise falls on all of them alike.
//
//   measureColdInit(targets, runs, env, onProgress?): Promise<Map<label, ColdResult>>
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchBundle } from './bundles.ts';
import { ROOT } from './bundles.ts';
import { type Summary, summarize } from './stats.ts';

const run = promisify(execFile);

export interface ColdTarget {
  label: string;
  bundle: BenchBundle;
  probe: '401' | 'prm' | 'call';
  /** Load Node's fetch globals before the clock starts (diagnostic). */
  prewarm?: boolean;
}

export interface ColdResult {
  label: string;
  importMs: Summary;
  firstResponseMs: Summary;
  rssMb: Summary;
  statuses: number[];
}

async function probeOnce(t: ColdTarget, env: NodeJS.ProcessEnv) {
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'bench', 'cold-probe.ts'), t.bundle.file, t.bundle.kind, t.probe, t.prewarm ? 'prewarm' : ''],
    { env, cwd: ROOT, timeout: 30_000 },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as { importMs: number; firstResponseMs: number; status: number; rssMb: number };
}

export async function measureColdInit(
  targets: ColdTarget[],
  runs: number,
  env: Record<string, string>,
  onProgress: (line: string) => void = () => {},
): Promise<Map<string, ColdResult>> {
  // A clean env: no compile cache, no inherited NODE_OPTIONS (Lambda starts without either).
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  const samples = new Map(
    targets.map((t) => [
      t.label,
      { imp: [] as number[], first: [] as number[], rss: [] as number[], st: [] as number[] },
    ]),
  );
  for (const t of targets) await probeOnce(t, childEnv); // one discarded run each: warms the OS file cache
  for (let i = 0; i < runs; i++) {
    for (const t of targets) {
      const r = await probeOnce(t, childEnv);
      const s = samples.get(t.label)!;
      s.imp.push(r.importMs);
      s.first.push(r.firstResponseMs);
      s.rss.push(r.rssMb);
      s.st.push(r.status);
    }
    if ((i + 1) % 5 === 0) onProgress(`cold init: ${i + 1}/${runs} rounds of ${targets.length} bundles`);
  }
  const out = new Map<string, ColdResult>();
  for (const t of targets) {
    const s = samples.get(t.label)!;
    out.set(t.label, {
      label: t.label,
      importMs: summarize(s.imp),
      firstResponseMs: summarize(s.first),
      rssMb: summarize(s.rss),
      statuses: [...new Set(s.st)],
    });
  }
  return out;
}
