// The local Function URL host (local/host.ts) serving the bench's own copies of the function bundles
// (bench/tmp/bundles), so a concurrent rebuild of the shared dist/ cannot change them mid-run. Env
// handling as local/start.ts does it for PORT=0 (MCP_PUBLIC_URL from the bound port unless given), and
// FUNCTIONS (a subset of the functions, as Lambda runs one per process).
//
//   node bench/host.ts            prints `MCP endpoint <url>` once the bundles are loaded
//   BENCH_PROCESSES=2 node bench/host.ts   diagnostic: two host processes on one port (node:cluster)
//   startBenchHost(env, nodeArgs?, script?): Promise<{ mcpUrl, pid, stop() }>   runs the above as a child process
//   writeNoopRoot(dir = NOOP_ROOT)   a root whose only function answers the raw reference's JSON through
//     HttpResponseStream and does nothing else; startBenchHost({ BENCH_ROOT: dir }) serves it: that host's CPU
//     per request minus node:http's (bench/reference/servers.ts raw) is the emulator's own cost
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.BENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'bench', 'tmp', 'bundles');
export const NOOP_ROOT = path.join(ROOT, 'bench', 'tmp', 'noop-root');

/** The raw reference's reply (bench/reference/servers.ts RAW_REPLY), kept here so this file imports no SDK. */
const NOOP_REPLY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'hello bench' }] },
});

export function writeNoopRoot(dir: string = NOOP_ROOT): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'bench', 'tmp', 'bundles', 'noop'), { recursive: true });
  writeFileSync(
    path.join(dir, 'template.yaml'),
    [
      'Resources:',
      '  NoopFunction:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Handler: functions/noop.handler',
      '      Timeout: 30',
      '      FunctionUrlConfig:',
      '        InvokeMode: RESPONSE_STREAM',
      '    Metadata:',
      "      Routes: ['ANY /mcp']",
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'bench', 'tmp', 'bundles', 'noop', 'index.mjs'),
    `const body = ${JSON.stringify(NOOP_REPLY)};
export const handler = awslambda.streamifyResponse(async (_event, rs) => {
  awslambda.HttpResponseStream.from(rs, { statusCode: 200, headers: { 'content-type': 'application/json' } }).end(body);
});
`,
  );
}

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
    const onData = (d: Buffer) => {
      out = (out + d).slice(-20_000);
      const m = /MCP endpoint (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        // The host's stdout then carries its audit and EMF lines (kilobytes per request): read and dropped,
        // not searched, so this process (which also runs the load generator) does not pay per line.
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
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

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { default: cluster } = await import('node:cluster');
  // BENCH_PROCESSES=N (diagnostic): N host processes sharing one port (node:cluster hands connections out
  // round-robin). It measures what more cores do for the same code; it is not Lambda's scheduling (one
  // invocation at a time per execution environment), and with STORE=memory each process has its own sessions.
  const processes = Number(process.env.BENCH_PROCESSES ?? 1);
  if (processes > 1 && cluster.isPrimary) {
    const port = await freePort();
    process.env.PORT = String(port);
    const url = process.env.MCP_PUBLIC_URL ?? `http://127.0.0.1:${port}/mcp`;
    process.env.MCP_PUBLIC_URL = url;
    const workers = Array.from({ length: processes }, () => cluster.fork());
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    process.on('SIGTERM', () => {
      for (const w of workers) w.process.kill('SIGTERM');
      process.exit(0);
    });
    process.stdout.write(`MCP endpoint ${url}\n`);
  } else {
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
    if (cluster.isWorker) process.send!('ready');
    else process.stdout.write(`MCP endpoint ${fixedUrl ?? `${host.url}/mcp`}\n`);
  }
}
