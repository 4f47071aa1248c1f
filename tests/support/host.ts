// Starts the local Function URL host as a separate process (one "Lambda instance"), on an ephemeral
// port, and returns its URLs. Two of these sharing one DynamoDB endpoint behave like two instances.
// The topology is pinned: no Traefik in front (TRAEFIK=false), whatever the runner's shell exports
// (TRAEFIK, TRAEFIK_BIN); a suite that wants Traefik starts it itself or passes TRAEFIK in `env`.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput } from './child-output.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HostProcess {
  origin: string;
  mcpUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout so far (audit records are JSON lines there). */
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
  /** SIGKILL: an instance that dies mid-stream. */
  kill(): void;
}

/** `root`: another checkout to serve (a repo copy with its own dist/), by default this one. */
export async function startHostProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  root = ROOT,
): Promise<HostProcess> {
  const child = spawn(process.execPath, [path.join(root, 'local/start.ts'), '--no-build'], {
    cwd: root,
    env: { ...process.env, PORT: '0', TRAEFIK: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Every instance's output is kept for the suite-wide scan for JWT-shaped strings (scripts/test.ts).
  const output = captureOutput(child, 'host');
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`host did not start in ${timeoutMs} ms:\n${output.stderr()}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /MCP endpoint\s+(\S+)/.exec(output.stdout());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${output.stderr()}`));
    });
  });
  return {
    origin: new URL(mcpUrl).origin,
    mcpUrl,
    child,
    stdout: output.stdout,
    stderr: output.stderr,
    kill: () => child.kill('SIGKILL'),
    stop: () =>
      new Promise<void>((resolve) => {
        // A killed child has a signalCode and a null exitCode; its exit event has already fired.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
