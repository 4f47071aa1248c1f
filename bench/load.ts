// Warm load with autocannon, and RSS sampling of the server process while it runs.
//
//   rssKb(pid): number                                    VmRSS from /proc/<pid>/status (NaN if unreadable)
//   runLoad({ url, headers, body, connections, durationSec, pid }): Promise<LoadResult>
//   mcpToolCall(name, args, id?): { headers, body }       the 2026-07-28 stateless request shape
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export function rssKb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** One tools/call as a 2026-07-28 client sends it (the shape the official v2 client uses when pinned). */
export function mcpToolCall(name: string, args: Record<string, unknown>, id: number | string = 1, meta = {}) {
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {},
          ...meta,
        },
      },
    }),
  };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  peakRssKb: number;
}

export async function runLoad(o: {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSec: number;
  pid?: number;
}): Promise<LoadResult> {
  let peak = rssKb(o.pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKb(o.pid));
  }, 100);
  try {
    const r = await autocannon({
      url: o.url,
      method: 'POST',
      headers: o.headers,
      body: o.body,
      connections: o.connections,
      duration: o.durationSec,
    });
    return {
      requests: r.requests.total,
      rps: r.requests.average,
      p50Ms: r.latency.p50,
      p90Ms: r.latency.p90,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      peakRssKb: Math.max(peak, rssKb(o.pid)),
    };
  } finally {
    clearInterval(sampler);
  }
}
