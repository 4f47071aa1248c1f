// Reads a host process's memory from outside, through the V8 inspector protocol: the host is started
// with `--inspect=127.0.0.1:0` (NODE_OPTIONS) and prints its WebSocket URL on stderr. Collecting
// garbage first (HeapProfiler.collectGarbage) separates what is retained from what is merely not yet
// collected. Loopback only; no hook in the product.

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** NODE_OPTIONS for a host process that this module can inspect. */
export const INSPECT_NODE_OPTIONS = '--inspect=127.0.0.1:0';

/** The inspector WebSocket URL a process printed on stderr, if it did. */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

export interface Inspector {
  /** Forces full garbage collections, then reads process.memoryUsage() in the inspected process. */
  memoryAfterGc(): Promise<MemoryUsage>;
  /** Evaluates an expression in the inspected process; the value must be JSON. */
  evaluate<T>(expression: string): Promise<T>;
  close(): void;
}

export async function connectInspector(url: string): Promise<Inspector> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), { once: true });
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id === undefined) return;
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error) w?.reject(new Error(msg.error.message));
    else w?.resolve(msg.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const out = (await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (out.exceptionDetails) throw new Error(`evaluate failed: ${out.exceptionDetails.text}`);
    return out.result.value;
  };
  return {
    evaluate,
    async memoryAfterGc() {
      // Several passes: weak maps and finalizers free more on a later cycle.
      for (let i = 0; i < 3; i++) await call('HeapProfiler.collectGarbage');
      return evaluate<MemoryUsage>('process.memoryUsage()');
    },
    close: () => ws.close(),
  };
}
