// Streaming latency: how long after stream_demo emits a chunk the client has it. stream_demo puts
// `at: Date.now()` in each notifications/message; the client (same machine, same clock) subtracts
// that from its own Date.now() on arrival. Both are whole milliseconds, so each sample is ±1 ms.
//
//   callStreamDemo(target, token, { chunks, intervalMs }): Promise<StreamRun>
//     target: { url, ca?, servername? }  (https with a CA and SNI for Traefik; plain http otherwise)
//   sseEvents(onData): (chunk: Buffer) => void           a tiny SSE splitter (joined data lines of each event)
import http from 'node:http';
import https from 'node:https';
import { mcpToolCall } from './load.ts';

export interface StreamTarget {
  url: string;
  ca?: Buffer;
  servername?: string;
}

export interface StreamRun {
  status: number;
  /** emit -> receive, ms, per chunk in order */
  latencies: number[];
  /** request sent -> first chunk received, ms (performance.now based) */
  firstChunkAfterMs: number;
  gotResult: boolean;
}

/** Splits an SSE byte stream into events and hands each event's joined data lines to onData. */
export function sseEvents(onData: (data: string) => void): (chunk: Buffer | string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString();
    // Normalise line ends, keeping a trailing \r until we know whether a \n follows it.
    const tail = buf.endsWith('\r') ? '\r' : '';
    buf = buf.slice(0, buf.length - tail.length).replace(/\r\n?/g, '\n');
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''));
      // An event with no data, or only empty data (the priming event), is not dispatched (as in the SSE spec).
      if (data.join('\n') !== '') onData(data.join('\n'));
    }
    buf += tail;
  };
}

export function callStreamDemo(
  target: StreamTarget,
  token: string,
  o: { chunks: number; intervalMs: number },
): Promise<StreamRun> {
  const url = new URL(target.url);
  const req = mcpToolCall('stream_demo', { chunks: o.chunks, interval_ms: o.intervalMs }, 7, {
    progressToken: 'bench',
    // At 2026-07-28 a server sends notifications/message only when the request's _meta asks for a log level.
    'io.modelcontextprotocol/logLevel': 'info',
  });
  const latencies: number[] = [];
  let firstChunkAfterMs = Number.NaN;
  let gotResult = false;
  const started = performance.now();
  return new Promise<StreamRun>((resolve, reject) => {
    const onData = sseEvents((data) => {
      let msg: { method?: string; params?: { data?: { at?: number } }; id?: unknown; result?: unknown };
      try {
        msg = JSON.parse(data);
      } catch {
        return; // priming events carry empty data
      }
      if (msg.method === 'notifications/message' && typeof msg.params?.data?.at === 'number') {
        const now = Date.now();
        if (latencies.length === 0) firstChunkAfterMs = performance.now() - started;
        latencies.push(now - msg.params.data.at);
      } else if (msg.id === 7 && msg.result) gotResult = true;
    });
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port: Number(url.port || (secure ? 443 : 80)),
      path: url.pathname,
      method: 'POST',
      headers: { ...req.headers, host: url.host, authorization: `Bearer ${token}` },
      agent: false,
      ...(secure ? { ca: target.ca, servername: target.servername ?? url.hostname } : {}),
    };
    const r = (secure ? https : http).request(options, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (!contentType.includes('text/event-stream')) {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          reject(new Error(`expected an SSE stream, got ${res.statusCode} ${contentType}: ${body.slice(0, 300)}`)),
        );
        return;
      }
      res.on('data', onData);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, latencies, firstChunkAfterMs, gotResult }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}
