// moto's server mode (PyPI `moto[server]`, pinned) on an ephemeral loopback port: it stands in for Amazon
// Cognito user pools in the Cognito suites (AWS itself is the one thing the suites may emulate). The venv lives
// in .cache/moto-venv; .ci/run creates it on CI, and motoAvailable() creates it here when it is missing.
// Python is optional on a developer machine: pythonVenvAvailable() says whether the suite can run at all.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keep in step with the moto step of .ci/run. */
export const MOTO_VERSION = '5.2.5';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = path.join(ROOT, '.cache', 'moto-venv');
const MOTO_SERVER = path.join(VENV, 'bin', 'moto_server');

/** python3 with the venv module (and ensurepip, which `python3 -m venv` needs) is on this machine. */
export function pythonVenvAvailable(): boolean {
  if (existsSync(MOTO_SERVER)) return true;
  try {
    execFileSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates .cache/moto-venv with moto[server]==MOTO_VERSION unless it is there; throws when pip fails. */
export function installMoto(): string {
  if (existsSync(MOTO_SERVER)) return MOTO_SERVER;
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'pipe' });
  execFileSync(
    path.join(VENV, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`],
    { stdio: 'pipe', timeout: 480_000 },
  );
  return MOTO_SERVER;
}

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(timeoutMs = 60_000): Promise<MotoServer> {
  const bin = installMoto();
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return { endpoint, stop };
    } catch {
      if (Date.now() > end) {
        await stop();
        throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
