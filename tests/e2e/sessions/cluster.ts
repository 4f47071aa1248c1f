// Test support for the cross-instance session suites: "instances" are local host processes
// (tests/support/host.ts). With STORE=dynamodb they share one dynalite started here, like two Lambda
// instances sharing DynamoDB; with STORE=memory there is one process, so A and B are the same host.
// One token works on every instance because they all share MCP_PUBLIC_URL (the audience); requests
// go to each instance's real 127.0.0.1:<port>, which the default ALLOWED_HOSTS accepts.
import { createParser } from 'eventsource-parser';
import { startDynalite } from '../../support/dynalite.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC bodies are checked by the assertions, not by types.
export type Json = Record<string, any>;

export const PUBLIC_URL = 'http://127.0.0.1:3999/mcp';
export const PROTOCOL = '2025-11-25';

export interface Instance {
  host: HostProcess;
  /** The instance's real origin (the host prints the shared public URL, not its own port). */
  origin: string;
  mcp: string;
}

export interface Cluster {
  kind: 'memory' | 'dynamodb';
  a: Instance;
  b: Instance;
  issuer: TestIssuer;
  dynamodbEndpoint: string | undefined;
  env: Record<string, string>;
  token(sub?: string, scope?: string): Promise<string>;
  /** Another instance on the same store (dynamodb only). */
  startInstance(extra?: Record<string, string>): Promise<Instance>;
  stop(): Promise<void>;
}

async function instance(env: Record<string, string>): Promise<Instance> {
  const host = await startHostProcess(env);
  const m = /Function URL host\s+(\S+)/.exec(host.stdout());
  if (!m) throw new Error(`no Function URL host line in:\n${host.stdout()}`);
  const origin = new URL(m[1]!).origin;
  return { host, origin, mcp: `${origin}/mcp` };
}

export async function startCluster(
  kind: 'memory' | 'dynamodb',
  extra: Record<string, string> = {},
  opts: { dynamodbEndpoint?: string } = {},
): Promise<Cluster> {
  const issuer = await startTestIssuer();
  const dynalite = kind === 'dynamodb' && !opts.dynamodbEndpoint ? await startDynalite() : undefined;
  const dynamodbEndpoint = opts.dynamodbEndpoint ?? dynalite?.endpoint;
  const env: Record<string, string> = {
    AUTH_ISSUER: issuer.issuer,
    AUTH_JWKS_URL: issuer.jwksUrl,
    MCP_PUBLIC_URL: PUBLIC_URL,
    STORE: kind,
    AUDIT_SINK: 'stdout',
    LOG_LEVEL: 'info',
    // The AWS SDK's invoke store creates an empty globalThis.awslambda when ensureTables runs, and the
    // local host then skips installing streamifyResponse (local/runtime.ts checks only for the object).
    AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: 'true',
    ...(dynamodbEndpoint
      ? {
          DYNAMODB_ENDPOINT: dynamodbEndpoint,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
        }
      : {}),
    ...extra,
  };
  const instances: Instance[] = [];
  const startInstance = async (more: Record<string, string> = {}) => {
    const i = await instance({ ...env, ...more });
    instances.push(i);
    return i;
  };
  const a = await startInstance();
  const b = kind === 'dynamodb' ? await startInstance() : a;
  return {
    kind,
    a,
    b,
    issuer,
    dynamodbEndpoint,
    env,
    token: (sub = 'alice', scope = 'mcp:tools') => issuer.token({ audience: PUBLIC_URL, sub, scope }),
    startInstance,
    async stop() {
      // host.stop() waits for 'exit', which a SIGKILLed instance already emitted (its exitCode stays null).
      const running = instances.filter((i) => i.host.child.exitCode === null && i.host.child.signalCode === null);
      await Promise.all(running.map((i) => i.host.stop()));
      await dynalite?.close();
      await issuer.stop();
    },
  };
}

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
  /** performance.now() when the event was parsed. */
  at: number;
}

/** An open SSE response being read: every event as it arrives, with its arrival time. */
export interface SseReader {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** Settles when the body ends (or errors, e.g. the instance died). */
  ended: Promise<'end' | 'error'>;
  /** Resolves with the first event (from index `from`) matching `pred`; rejects after `timeoutMs`. */
  next(pred: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

export function readSse(response: Response, controller?: AbortController): SseReader {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const parser = createParser({
    onEvent: (e) => {
      events.push({ id: e.id, event: e.event, data: e.data, at: performance.now() });
      notify();
    },
    onComment: (c) => {
      comments.push(c);
    },
  });
  const ended = (async (): Promise<'end' | 'error'> => {
    if (!response.body) return 'end';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
      return 'end';
    } catch {
      return 'error';
    } finally {
      notify();
    }
  })();
  let done = false;
  void ended.then(() => {
    done = true;
    notify();
  });
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended,
    next(pred, timeoutMs = 5_000, from = 0) {
      return new Promise<SseEvent>((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred);
          if (hit) {
            cleanup();
            resolve(hit);
          } else if (done) {
            cleanup();
            reject(new Error(`stream ended without a matching event; got ${JSON.stringify(events)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      controller?.abort();
      response.body?.cancel().catch(() => {});
    },
  };
}

export const json = (e: SseEvent) => JSON.parse(e.data) as Json;

/** A 2025-era MCP client speaking raw HTTP, so every header and status is visible to the test. */
export function mcpClient(token: string, protocol = PROTOCOL) {
  let nextId = 1;
  const headers = (sessionId?: string, more: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': protocol,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    ...more,
  });
  return {
    async initialize(url: string): Promise<{ status: number; sessionId: string; body: Json }> {
      const r = await fetch(url, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: nextId++,
          method: 'initialize',
          params: { protocolVersion: protocol, capabilities: {}, clientInfo: { name: 'sessions-test', version: '1' } },
        }),
      });
      const body = await r.json();
      const sessionId = r.headers.get('mcp-session-id') ?? '';
      if (r.status === 200) {
        const n = await fetch(url, {
          method: 'POST',
          headers: headers(sessionId),
          body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        });
        if (n.status !== 202) throw new Error(`initialized notification got ${n.status}`);
      }
      return { status: r.status, sessionId, body };
    },
    /** POSTs one request; returns the status and, for SSE answers, every event of the (finished) stream. */
    async request(url: string, sessionId: string | undefined, method: string, params: unknown = {}) {
      const id = nextId++;
      const r = await fetch(url, {
        method: 'POST',
        headers: headers(sessionId),
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      });
      const type = r.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream')) {
        const text = await r.text();
        return { status: r.status, headers: r.headers, events: [] as SseEvent[], body: text ? JSON.parse(text) : null };
      }
      const reader = readSse(r);
      await reader.ended;
      const reply = reader.events.find((e) => e.data && json(e).id === id);
      return { status: r.status, headers: r.headers, events: reader.events, body: reply ? json(reply) : null };
    },
    async get(url: string, sessionId: string, more: Record<string, string> = {}): Promise<SseReader> {
      const controller = new AbortController();
      const r = await fetch(url, {
        method: 'GET',
        headers: { ...headers(sessionId, more), accept: 'text/event-stream' },
        signal: controller.signal,
      });
      return readSse(r, controller);
    },
    async del(url: string, sessionId: string) {
      const r = await fetch(url, { method: 'DELETE', headers: headers(sessionId) });
      await r.body?.cancel();
      return r.status;
    },
  };
}

/** A legacy HTTP+SSE (2024-11-05) session opened with GET /sse on `origin`. */
export async function openLegacySse(origin: string, token: string, lastEventId?: string) {
  const controller = new AbortController();
  const r = await fetch(`${origin}/sse`, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: controller.signal,
  });
  const reader = readSse(r, controller);
  if (r.status !== 200) return { reader, endpoint: '', sessionId: '' };
  const ep = await reader.next((e) => e.event === 'endpoint');
  const sessionId = new URL(ep.data, origin).searchParams.get('sessionId')!;
  return { reader, endpoint: ep.data, sessionId };
}

export async function postMessage(origin: string, endpoint: string, token: string, message: unknown) {
  const r = await fetch(new URL(endpoint, origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  const text = await r.text();
  return { status: r.status, text };
}

/** Audit records (JSON lines) an instance wrote to stdout. */
export function auditRecords(i: Instance): Array<Json> {
  return i.host
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Json;
      } catch {
        return {};
      }
    });
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** A fetch that routes each request itself, and the route it took. */
export interface Routed {
  fetch: typeof fetch;
  /** "METHOD path -> A|B" for every request, in order. */
  log: string[];
}

/**
 * A fetch that sends each request to the instance `pick` chooses, whatever origin the client aimed at: a load
 * balancer in front of Lambda, so a real SDK client's requests land on A or B as the test decides.
 */
export function routed(c: Pick<Cluster, 'a'>, pick: (method: string, n: number) => Instance): Routed {
  const log: string[] = [];
  let n = 0;
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const target = pick(method, n++);
    log.push(`${method} ${url.pathname} -> ${target === c.a ? 'A' : 'B'}`);
    return fetch(new URL(url.pathname + url.search, target.origin), init);
  }) as typeof fetch;
  return { fetch: f, log };
}
