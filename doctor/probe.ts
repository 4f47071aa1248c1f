// One HTTP probe with a timeout that never throws: the doctor reports network errors as findings.
//
//   probe(url, init?, timeoutMs?): Promise<ProbeResult>
//   describeError(err): string     a short reason (ECONNREFUSED, timeout, ...)

export type ProbeResult =
  | { ok: true; status: number; headers: Headers; text: string; json: unknown; isJson: boolean }
  | { ok: false; error: string };

export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
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
    return { ok: false, error: describeError(err) };
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
