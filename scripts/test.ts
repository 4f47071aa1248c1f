// `npm test`: generate (the tool catalogue from tools/*.ts), lint, typecheck, build, then every vitest project
// (unit, integration, e2e), then a scan of all log output the suite produced for JWT-shaped strings (no token may
// ever reach a log).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findJwtShaped } from '../lib/audit/scan.ts';
import { ROOT } from './build.ts';

export const LOG_DIR = path.join(ROOT, '.cache', 'test-logs');

function run(step: string, cmd: string, args: string[], logFile?: string): Promise<number> {
  process.stdout.write(`\n== ${step}: ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEST_LOG_DIR: LOG_DIR },
    });
    const log = logFile ? createWriteStream(logFile) : undefined;
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      log?.write(d);
    });
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      log?.write(d);
    });
    child.on('close', (code) => {
      log?.end();
      process.stdout.write(
        `== ${step}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      resolve(code ?? 1);
    });
  });
}

rmSync(LOG_DIR, { recursive: true, force: true });
mkdirSync(LOG_DIR, { recursive: true });
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const only = process.argv.slice(2);

const steps: Array<[string, string, string[], string?]> = [
  // First: a tool added or removed since the last build changes generated/tools.ts, which lint and tsc read.
  ['generate', process.execPath, [path.join(ROOT, 'scripts/generate.ts')]],
  ['lint', bin('biome'), ['check', '.']],
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json']],
  ['build', process.execPath, [path.join(ROOT, 'scripts/build.ts')]],
  ['vitest', bin('vitest'), ['run', ...only], path.join(LOG_DIR, 'vitest.log')],
];
let failed = 0;
for (const [name, cmd, args, log] of steps) {
  if ((await run(name, cmd, args, log)) !== 0) {
    failed++;
    if (name !== 'vitest') break; // no point testing what does not lint, typecheck or build
  }
}

// The redaction guarantee: nothing JWT-shaped in any output the suite produced.
{
  let hits = 0;
  for (const file of readdirSync(LOG_DIR)) {
    const found = findJwtShaped(readFileSync(path.join(LOG_DIR, file), 'utf8'));
    for (const f of found) {
      hits++;
      process.stderr.write(`JWT-shaped string in ${file} at ${f.line}:${f.column}: ${f.preview}\n`);
    }
  }
  process.stdout.write(
    `\n== log scan: ${hits === 0 ? 'no JWT-shaped strings in test logs' : `${hits} JWT-shaped strings found`}\n`,
  );
  if (hits) failed++;
}
process.exit(failed ? 1 : 0);
