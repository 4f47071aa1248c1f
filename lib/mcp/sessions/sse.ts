// Server-Sent Events framing and a writable SSE response body.

const encoder = new TextEncoder();

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retryMs?: number;
}

/** One SSE frame. Multi-line data is split into several `data:` lines, as the format requires. */
export function sseFrame(e: SseEvent): string {
  let out = '';
  if (e.id !== undefined) out += `id: ${e.id}\n`;
  if (e.event !== undefined) out += `event: ${e.event}\n`;
  if (e.retryMs !== undefined) out += `retry: ${e.retryMs}\n`;
  for (const line of e.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** An SSE comment line (keepalive); newlines become spaces. */
export function sseComment(text: string): string {
  return `: ${text.replace(/\n/g, ' ')}\n\n`;
}

/** Headers of every SSE response. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer; Traefik has no buffering middleware on these routes.
  'x-accel-buffering': 'no',
} as const;

/** A ReadableStream body to which frames can be pushed; `closed` settles when the reader goes away. */
export function sseBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      open = false;
      resolveClosed();
    },
  });
  return {
    stream,
    closed,
    get open() {
      return open;
    },
    write(text: string): boolean {
      if (!open) return false;
      try {
        controller.enqueue(encoder.encode(text));
        return true;
      } catch {
        // The reader cancelled between our check and the enqueue: the stream is simply over.
        open = false;
        resolveClosed();
        return false;
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        controller.close();
      } catch {
        // Already closed or errored by the reader: nothing left to close.
      }
      resolveClosed();
    },
  };
}

export type SseBody = ReturnType<typeof sseBody>;
