// The local Function URL host (local/host.ts) serving the bench's own copies of the function bundles
// (bench/tmp/bundles), so a concurrent rebuild of the shared dist/ cannot change them mid-run. Env
// handling as local/start.ts does it for PORT=0 (MCP_PUBLIC_URL from the bound port unless given), and
// FUNCTIONS (a subset of the functions, as Lambda runs one per process).
//
//   node bench/host.ts            prints `MCP endpoint <url>` once the bundles are loaded
//   startBenchHost(env, nodeArgs?, script?): Promise<{ mcpUrl, pid, stop() }>   runs the above as a child process
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.BENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'bench', 'tmp', 'bundles');

export interface BenchHost {
  mcpUrl: string;
  pid: number | undefined;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `script` runs another build of this file (bench/bundles.ts HOST_BUNDLE: plain JS, so the process does not
 * carry Node's TypeScript type stripper); `nodeArgs` go to node (e.g. --cpu-prof).
 */
export async function startBenchHost(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  script: string = fileURLToPath(import.meta.url),
): Promise<BenchHost> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, BENCH_ROOT: ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + d).slice(-20_000);
  });
  const mcpUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`bench host did not start:\n${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out = (out + d).slice(-20_000);
      const m = /MCP endpoint (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench host exited with ${code}:\n${err}`));
    });
  });
  child.stdout!.resume();
  return {
    mcpUrl,
    pid: child.pid,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseFunctionsVar, startHost } = await import('../local/host.ts');
  const fixedUrl = process.env.MCP_PUBLIC_URL;
  const host = await startHost({
    root: ROOT,
    distDir: DIST,
    port: Number(process.env.PORT ?? 0),
    functions: parseFunctionsVar(process.env.FUNCTIONS),
    onListening: (port) => {
      if (!fixedUrl) process.env.MCP_PUBLIC_URL = `http://127.0.0.1:${port}/mcp`;
      process.env.ALLOWED_ORIGINS ??= new URL(process.env.MCP_PUBLIC_URL!).origin;
    },
  });
  process.on('SIGTERM', () => void host.close().then(() => process.exit(0)));
  process.stdout.write(`MCP endpoint ${fixedUrl ?? `${host.url}/mcp`}\n`);
}
