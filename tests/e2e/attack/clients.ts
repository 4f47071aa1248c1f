// How the attack suite talks to the host: node:http (any Host header, any method, any header value
// Node can put on the wire), raw sockets for what no HTTP client would send, and the few real
// sessions (2025 Streamable HTTP, legacy /sse) the fuzzed requests point at. Loopback only.
import http from 'node:http';
import net from 'node:net';
import { jwtShapedPattern } from '../../../lib/audit/scan.ts';

export interface Target {
  port: number;
}

export interface ShotRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send no Host header at all. */
  noHost?: boolean;
  /** The client goes away after the response head or the first body bytes (the work must still settle). */
  leave?: 'headers' | 'first-chunk';
  /** The whole response (body end) must arrive within this many ms, else it counts as hung. */
  settleMs: number;
  agent?: http.Agent | false;
}

export interface ShotResult {
  status?: number;
  /** The response ended (or the client left on purpose) within settleMs. */
  settled: boolean;
  leftEarly: boolean;
  /** Transport error (connection refused or reset, Node refusing a header...). */
  error?: string;
  ms: number;
  /** First 4 KB of the body. */
  body: string;
  contentType?: string;
}

/** Hides JWT-shaped strings in test output (npm test fails when a token reaches any log, ours included). */
export function hideTokens(text: string): string {
  return text.replace(jwtShapedPattern(), '<jwt>');
}

/** Sends one HTTP request and reads the whole response, bounded by settleMs. Never throws. */
export function shoot(target: Target, req: ShotRequest): Promise<ShotResult> {
  const started = performance.now();
  return new Promise<ShotResult>((resolve) => {
    let status: number | undefined;
    let contentType: string | undefined;
    const parts: Buffer[] = [];
    let kept = 0;
    let done = false;
    const finish = (r: Partial<ShotResult> & { settled: boolean }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({
        status,
        contentType,
        leftEarly: false,
        ms: performance.now() - started,
        body: Buffer.concat(parts).toString('utf8'),
        ...r,
      });
    };
    let request: http.ClientRequest;
    try {
      request = http.request({
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        setHost: !req.noHost && !('host' in req.headers),
        agent: req.agent,
      });
    } catch (err) {
      // Node refuses some values before anything is sent (e.g. a control character in a header).
      resolve({ settled: true, leftEarly: false, error: `not sent: ${(err as Error).message}`, ms: 0, body: '' });
      return;
    }
    const timer = setTimeout(() => {
      finish({ settled: false });
      request.destroy();
    }, req.settleMs);
    request.on('error', (err) => finish({ settled: true, error: (err as Error).message }));
    request.on('response', (res) => {
      status = res.statusCode;
      contentType = res.headers['content-type'];
      if (req.leave === 'headers') {
        finish({ settled: true, leftEarly: true });
        res.destroy();
        request.destroy();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (kept < 4096) {
          parts.push(chunk);
          kept += chunk.length;
        }
        if (req.leave === 'first-chunk') {
          finish({ settled: true, leftEarly: true });
          res.destroy();
          request.destroy();
        }
      });
      res.on('end', () => finish({ settled: true }));
      res.on('error', (err) => finish({ settled: true, error: (err as Error).message }));
      res.on('close', () => {
        if (!res.complete) finish({ settled: true, error: 'response closed before its end' });
      });
    });
    request.end(req.body);
  });
}

export interface RawResult {
  /** Status line of the answer, when one came before the socket closed. */
  status?: number;
  error?: string;
  /** Closed within the bound (by either side). */
  settled: boolean;
}

/**
 * Writes `chunks` to a fresh socket. With `close: true` the client closes right after writing (a
 * truncated body); otherwise it reads until the server answers and closes, within `settleMs`.
 */
export function rawShot(
  target: Target,
  chunks: Array<string | Buffer>,
  opts: { close: boolean; settleMs: number },
): Promise<RawResult> {
  return new Promise<RawResult>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: target.port });
    let got = '';
    let done = false;
    const finish = (r: RawResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const statusOf = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      return m ? Number(m[1]) : undefined;
    };
    const timer = setTimeout(() => finish({ status: statusOf(), settled: false }), opts.settleMs);
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (opts.close) {
        // Give the bytes a moment to leave, then reset the connection as a client that died would.
        setTimeout(() => {
          socket.resetAndDestroy();
          finish({ settled: true });
        }, 5);
      }
    });
    socket.on('data', (d) => {
      got += d.toString('latin1');
      // One answer is enough: a keep-alive server would otherwise hold the socket open.
      if (/\r\n\r\n/.test(got)) finish({ status: statusOf(), settled: true });
    });
    socket.on('error', (err) => finish({ status: statusOf(), error: err.message, settled: true }));
    socket.on('close', () => finish({ status: statusOf(), settled: true }));
  });
}

export interface JsonRpcAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A plain request that must work (setup), with a whole-response bound. */
export function call(
  target: Target,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<JsonRpcAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const request = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method,
        path,
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** A 2025-era session made by initialize + notifications/initialized. */
export async function openSession(
  target: Target,
  token: string,
  version: string,
  userAgent: string,
): Promise<{ sessionId: string; version: string }> {
  const base = {
    authorization: `Bearer ${token}`,
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': version,
    'user-agent': userAgent,
  };
  const init = await call(target, 'POST', '/mcp', base, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'attack', version: '1' } },
  });
  const sessionId = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sessionId !== 'string') {
    throw new Error(`initialize answered ${init.status}: ${hideTokens(init.text.slice(0, 300))}`);
  }
  const note = await call(
    target,
    'POST',
    '/mcp',
    { ...base, 'mcp-session-id': sessionId },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  );
  if (note.status !== 202) throw new Error(`notifications/initialized answered ${note.status}`);
  return { sessionId, version };
}

/** An open legacy GET /sse stream: its `/messages/` endpoint, every event's data, and a way to leave. */
export interface LegacyStream {
  endpoint: string;
  sessionId: string;
  /** Raw SSE text received so far (capped at 1 MB: the rest is counted, not kept). */
  text(): string;
  bytes(): number;
  ended: Promise<void>;
  close(): void;
}

export function openLegacyStream(target: Target, token: string, userAgent: string): Promise<LegacyStream> {
  return new Promise((resolve, reject) => {
    let text = '';
    let bytes = 0;
    let resolveEnded: () => void;
    const ended = new Promise<void>((r) => {
      resolveEnded = r;
    });
    const request = http.request({
      host: '127.0.0.1',
      port: target.port,
      method: 'GET',
      path: '/sse',
      agent: false,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'user-agent': userAgent },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error('no endpoint event from /sse in 30 s'));
    }, 30_000);
    request.on('error', (err) => {
      clearTimeout(timer);
      resolveEnded();
      reject(err);
    });
    request.on('response', (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        reject(new Error(`GET /sse answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let announced = false;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (text.length < 1024 * 1024) text += d.toString('utf8');
        const m = /event: endpoint\r?\ndata: (\S+)/.exec(text);
        if (m && !announced) {
          announced = true;
          clearTimeout(timer);
          const endpoint = m[1]!;
          resolve({
            endpoint,
            sessionId: new URL(endpoint, 'http://x').searchParams.get('sessionId') ?? '',
            text: () => text,
            bytes: () => bytes,
            ended,
            close: () => {
              res.destroy();
              request.destroy();
            },
          });
        }
      });
      res.on('close', () => resolveEnded());
    });
    request.end();
  });
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Polls `pred` every 100 ms until it holds or `ms` passes; returns whether it held. */
export async function waitUntil(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
