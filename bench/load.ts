// Warm load with autocannon, and RSS sampling of the server process while it runs.
//
//   rssKb(pid): number                                    VmRSS from /proc/<pid>/status (NaN if unreadable)
//   cpuMs(pid): number                                    user + system CPU of the process and its children so far
//   runLoad({ url, headers, body, connections, durationSec, pid }): Promise<LoadResult>
//   mcpToolCall(name, args, id?): { headers, body }       the 2026-07-28 stateless request shape
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { toolCallRequest } from '../tests/support/mcp-request.ts';

export function rssKb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system, all threads) the process and its child processes (e.g. node:cluster workers) have
 * used so far, in ms; NaN if unreadable.
 */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ms = ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SEC;
    for (const child of childPids(pid)) {
      const c = cpuMs(child);
      if (!Number.isNaN(c)) ms += c;
    }
    return ms;
  } catch {
    return Number.NaN;
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// USER_HZ, 100 on every Linux that Node supports (getconf CLK_TCK).
const CLOCK_TICKS_PER_SEC = 100;

/** One tools/call as a 2026-07-28 client sends it (the shape the official v2 client uses when pinned). */
export function mcpToolCall(name: string, args: Record<string, unknown>, id: number | string = 1, meta = {}) {
  return toolCallRequest(name, args, { id, clientName: 'bench', meta });
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
  /** The server process's CPU (user + system, /proc/<pid>/stat) over the load, per request (NaN without pid). */
  cpuUsPerRequest: number;
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
  const cpuBefore = cpuMs(o.pid);
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
      cpuUsPerRequest: ((cpuMs(o.pid) - cpuBefore) * 1000) / r.requests.total,
    };
  } finally {
    clearInterval(sampler);
  }
}
