// `npm start` (or any command that ends in the stack's banner) as a user runs it: in its own process group, so the
// test stops it the way a terminal's Ctrl-C does (SIGINT to the group). Output is kept for assertions and for the
// suite-wide scan for JWT-shaped strings (TEST_LOG_DIR).

import { type ChildProcess, spawn } from 'node:child_process';
import { captureOutput } from './child-output.ts';

export interface StackProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The value printed after a banner label, e.g. banner('MCP endpoint'). */
  banner(label: string): string;
  /**
   * Ctrl-C: SIGINT to the process group (SIGKILL after `graceMs`). Resolves with how it ended: `code` 0 from a node
   * process that shut down cleanly; npm itself ends by the SIGINT it passed on (`signal`), as in a terminal.
   */
  interrupt(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a user's shell: no stack settings inherited from the test runner. */
export function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(AUTH_|MCP_|AS$|AS_PORT$|PORT$|HOST$|TRAEFIK|DEMO_TOOLS$|START_DEGRADED$|STORE$|DYNAMODB_|AUDIT_)/.test(k)) {
      delete env[k];
    }
  }
  return { ...env, ...extra };
}

export function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve(p.exitCode)
    : new Promise((r) => p.once('exit', (code) => r(code)));
}

/** Runs `command` through bash in `cwd` and waits for the banner's last line ("Functions from …"). */
export async function startStack(opts: {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  logName: string;
}): Promise<StackProcess> {
  const child = spawn('bash', ['-c', opts.command], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = captureOutput(child, opts.logName);
  const stack: StackProcess = {
    child,
    stdout: output.stdout,
    stderr: output.stderr,
    banner(label) {
      const m = new RegExp(`^  ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+(.+)$`, 'm').exec(output.stdout());
      if (!m) throw new Error(`no "${label}" line in the banner:\n${output.stdout()}`);
      return m[1]!.trim();
    },
    async interrupt(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null)
        return { code: child.exitCode, signal: child.signalCode };
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited(child);
      clearTimeout(timer);
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stack.interrupt(1_000);
      reject(
        new Error(`no banner within ${opts.timeoutMs} ms; stdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`),
      );
    }, opts.timeoutMs);
    const check = () => {
      if (/Functions from .*\n/.test(output.stdout())) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${opts.command} exited with ${code}; stdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`),
      );
    });
  });
  return stack;
}
