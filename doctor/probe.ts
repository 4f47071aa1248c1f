// One HTTP probe with a timeout that never throws: the doctor reports network errors as findings.
//
//   probe(url, init?, timeoutMs?): Promise<ProbeResult>
//   describeError(err): string     a short reason (ECONNREFUSED, timeout, an unresolvable host by name, ...)
//   unresolvedHost(err): string | undefined   the host name getaddrinfo could not resolve
//   resolutionFix(host): string    how to make that name resolve

export type ProbeResult =
  | { ok: true; status: number; headers: Headers; text: string; json: unknown; isJson: boolean }
  | { ok: false; error: string; unresolvedHost?: string };

/** getaddrinfo's codes for "no such name" (and "no answer now", which a machine without DNS gives). */
const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

type NetError = { name?: string; message?: string; cause?: { code?: string; message?: string; hostname?: string } };

export function unresolvedHost(err: unknown): string | undefined {
  const cause = (err as NetError)?.cause;
  return cause?.code && UNRESOLVED.has(cause.code) ? (cause.hostname ?? 'the host') : undefined;
}

/** Pure: `localhost` names need an /etc/hosts line for Node (browsers and curl resolve them by themselves). */
export function resolutionFix(host: string): string {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) {
    return `Add "127.0.0.1 ${host}" to /etc/hosts (Node and other getaddrinfo clients do not resolve *.localhost by themselves), or use the 127.0.0.1 URL the stack also serves`;
  }
  return `Check the host name in the URL and its DNS record (${host})`;
}

export function describeError(err: unknown): string {
  const e = err as NetError;
  if (e?.name === 'TimeoutError') return 'timed out';
  const host = unresolvedHost(err);
  if (host) return `the host name ${host} does not resolve on this machine (${e.cause?.code})`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export async function probe(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let json: unknown;
    let isJson = false;
    try {
      json = JSON.parse(text);
      isJson = true;
    } catch {
      json = undefined;
    }
    return { ok: true, status: res.status, headers: res.headers, text, json, isJson };
  } catch (err) {
    const host = unresolvedHost(err);
    return { ok: false, error: describeError(err), ...(host ? { unresolvedHost: host } : {}) };
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
