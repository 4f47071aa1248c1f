// A child process's output as the suites need it: kept in memory for assertions, and written to
// TEST_LOG_DIR (when set) so that `npm test`'s scan for JWT-shaped strings covers every process started.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface ChildOutput {
  stdout(): string;
  stderr(): string;
}

/** Captures `child`'s stdout and stderr; `logName` names its file in TEST_LOG_DIR (`<logName>-<pid>.log`). */
export function captureOutput(child: ChildProcess, logName: string): ChildOutput {
  let out = '';
  let err = '';
  const logDir = process.env.TEST_LOG_DIR;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(path.join(logDir, `${logName}-${child.pid}.log`));
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  return { stdout: () => out, stderr: () => err };
}
