// The attack suite's local host: the real `npm start` process (local/start.ts, the built bundles) with
// auth on against a test issuer, started with the inspector on a loopback port so that the suite can
// force a GC and look inside it (memory, active timers) without any product code.
// stdout (audit records) and stderr (operational logs) are kept in memory and written to files.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ATTACK_LOG_DIR = path.join(ROOT, '.cache', 'attack');

/** The fields of an audit record the suite looks at. */
export interface AuditLine {
  kind: string;
  outcome: string;
  httpStatus?: number;
  method?: string;
  tool?: string;
  rpcId?: string | number | null;
  path?: string;
  era?: string;
  userAgent?: string;
  error?: string;
}

/** What the inspector tells about the host process after a forced GC. */
export interface HostProbe {
  rss: number;
  heapUsed: number;
  /** process.memoryUsage() as the host reports it. */
  memory: NodeJS.MemoryUsage;
  /** process.getActiveResourcesInfo(): resource type names keeping the loop alive ('Timeout', 'TCPSocketWrap'...). */
  resources: string[];
}

export interface AttackHost {
  /** Where the host listens, e.g. http://127.0.0.1:41234. */
  origin: string;
  port: number;
  /** The public MCP URL (token audience). */
  mcpUrl: string;
  pid: number;
  child: ChildProcess;
  issuer: TestIssuer;
  /** Exit code/signal when the process has exited (it never should). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  records(): AuditLine[];
  stdout(): string;
  stderr(): string;
  /**
   * Forces a full GC in the host (the inspector's HeapProfiler.collectGarbage, DevTools' "collect
   * garbage": V8's low-memory GC, which also gives freed heap pages back) and reads its memory and
   * active resources.
   */
  probe(): Promise<HostProbe>;
  /**
   * Active `Timeout` resources in the host, without a GC. The local host holds one timer per invocation
   * until the handler returns, waitUntil work included (the client's response may have ended long before).
   */
  timers(): Promise<number>;
  /** VmRSS of the host process from /proc, in bytes. */
  rssFromProc(): number;
  /** CPU time (user + system) the host process used so far, in seconds, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

function lineSplitter(onLine: (line: string) => void) {
  let rest = '';
  return (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  };
}

function slim(line: string): AuditLine | undefined {
  if (!line.startsWith('{') || !line.includes('"message":"audit"')) return undefined;
  try {
    const r = JSON.parse(line) as AuditLine & { message?: string };
    if (r.message !== 'audit') return undefined;
    const { kind, outcome, httpStatus, method, tool, rpcId, path: p, era, userAgent, error } = r;
    return { kind, outcome, httpStatus, method, tool, rpcId, path: p, era, userAgent, error };
  } catch {
    return undefined;
  }
}

/** Chrome DevTools Protocol commands over the host's inspector WebSocket (loopback), in order; the last one's result. */
async function inspector(wsUrl: string, commands: Array<{ method: string; params?: unknown }>): Promise<unknown> {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector at ${wsUrl} did not open`)), { once: true });
  });
  const pending = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
  ws.addEventListener('message', (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown; error?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
  });
  try {
    let last: unknown;
    for (const [i, command] of commands.entries()) {
      const reply = await new Promise<{ result?: unknown; error?: unknown }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${command.method} in 30 s`)), 30_000);
        pending.set(i, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        ws.send(JSON.stringify({ id: i, ...command }));
      });
      if (reply.error) throw new Error(`inspector error on ${command.method}: ${JSON.stringify(reply.error)}`);
      last = reply.result;
    }
    return last;
  } finally {
    ws.close();
  }
}

/**
 * Starts an issuer and a host. `env` adds to (or overrides) the host's environment.
 * The host logs go to .cache/attack/<name>.{stdout,stderr}.log (and to TEST_LOG_DIR under `npm test`,
 * for its scan for JWT-shaped strings).
 */
export async function startAttackHost(name: string, env: Record<string, string> = {}): Promise<AttackHost> {
  const issuer = await startTestIssuer();
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', path.join(ROOT, 'local/start.ts'), '--no-build'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      AUTH_ISSUER: issuer.issuer,
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUDIT_SINK: 'stdout',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const records: AuditLine[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  const files: WriteStream[] = [];
  const tee = (stream: NodeJS.ReadableStream, suffix: string) => {
    mkdirSync(ATTACK_LOG_DIR, { recursive: true });
    const f = createWriteStream(path.join(ATTACK_LOG_DIR, `${name}.${suffix}.log`)); // the last run's, overwritten
    files.push(f);
    stream.pipe(f, { end: false });
    const logDir = process.env.TEST_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      const g = createWriteStream(path.join(logDir, `attack-${name}-${child.pid}.${suffix}.log`));
      files.push(g);
      stream.pipe(g, { end: false });
    }
  };
  tee(child.stdout!, 'stdout');
  tee(child.stderr!, 'stderr');
  child.once('exit', () => {
    for (const f of files) f.end();
  });
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdout!.on(
    'data',
    lineSplitter((l) => {
      const r = slim(l);
      if (r) records.push(r);
    }),
  );
  const stdout = () => Buffer.concat(out).toString('utf8');
  const stderr = () => Buffer.concat(err).toString('utf8');

  const started = await new Promise<{ mcpUrl: string; origin: string; ws: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${stderr()}`)), 30_000);
    const check = () => {
      const m = /MCP endpoint\s+(\S+)/.exec(stdout());
      const h = /Function URL host\s+(\S+)/.exec(stdout());
      const w = /Debugger listening on (ws:\/\/\S+)/.exec(stderr());
      if (m && h && w) {
        clearTimeout(timer);
        // Stop looking: joining the whole output on every chunk would cost O(n²) over a long run.
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve({ mcpUrl: m[1]!, origin: new URL(h[1]!).origin, ws: w[1]! });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${stderr()}`));
    });
  });
  const pid = child.pid!;
  return {
    origin: started.origin,
    port: Number(new URL(started.origin).port),
    mcpUrl: started.mcpUrl,
    pid,
    child,
    issuer,
    exit: () => exit,
    records: () => records,
    stdout,
    stderr,
    async probe() {
      const expression = 'JSON.stringify({ m: process.memoryUsage(), r: process.getActiveResourcesInfo() })';
      const result = (await inspector(started.ws, [
        { method: 'HeapProfiler.collectGarbage' },
        { method: 'Runtime.evaluate', params: { expression, returnByValue: true } },
      ])) as { result?: { value?: string } };
      const json = result.result?.value ?? '{}';
      const v = JSON.parse(json) as { m: NodeJS.MemoryUsage; r: string[] };
      return { rss: v.m.rss, heapUsed: v.m.heapUsed, memory: v.m, resources: v.r };
    },
    async timers() {
      const result = (await inspector(started.ws, [
        {
          method: 'Runtime.evaluate',
          params: { expression: 'JSON.stringify(process.getActiveResourcesInfo())', returnByValue: true },
        },
      ])) as { result?: { value?: string } };
      return (JSON.parse(result.result?.value ?? '[]') as string[]).filter((r) => r === 'Timeout').length;
    },
    rssFromProc() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
      return kb * 1024;
    },
    cpuSeconds() {
      // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name): utime, stime in ticks.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      if (exit === undefined) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(killer);
      }
      await issuer.stop();
    },
  };
}
