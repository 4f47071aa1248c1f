import { describe, expect, it } from 'vitest';
import { pipeResponse, preludeOf } from '../../../lib/http/index.ts';
import { recordingStream } from '../../support/lambda.ts';

/** A body that produces `parts` `gapMs` apart; `produced[i]` is when part i was handed over. */
function timedBody(parts: string[], gapMs: number) {
  const enc = new TextEncoder();
  const produced: number[] = [];
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= parts.length) return controller.close();
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      produced.push(performance.now());
      controller.enqueue(enc.encode(parts[i++]));
    },
  });
  return { body, produced };
}

describe('Response -> Lambda response stream', () => {
  it('frames the prelude exactly as the runtime does: JSON, 8 NUL bytes, then the body', async () => {
    const rec = recordingStream();
    const response = new Response('hello', { status: 201, headers: { 'content-type': 'text/plain', 'x-a': '1' } });
    await pipeResponse(response, rec.stream, new AbortController().signal);
    const prelude = JSON.stringify({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-a': '1' },
      cookies: [],
    });
    expect(rec.raw()).toEqual(Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('hello')]));
    expect(rec.stream.contentType).toBe('application/vnd.awslambda.http-integration-response');
    expect(rec.stream.writableEnded).toBe(true);
  });

  it('still writes once for a 202 with no body (the empty-body trap)', async () => {
    const rec = recordingStream();
    await pipeResponse(new Response(null, { status: 202 }), rec.stream, new AbortController().signal);
    const { prelude, body } = rec.decode();
    expect(prelude?.statusCode).toBe(202);
    expect(body).toBe('');
    expect(rec.writes.length).toBeGreaterThan(0);
    expect(rec.raw().subarray(-8)).toEqual(Buffer.alloc(8));
  });

  it('an event stream sends its prelude at once, before the first event (an idle stream still opens)', async () => {
    const rec = recordingStream();
    let release!: () => void;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        await new Promise<void>((r) => {
          release = r;
        });
        controller.enqueue(new TextEncoder().encode(': keepalive\n\n'));
        controller.close();
      },
    });
    const done = pipeResponse(
      new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
      rec.stream,
      new AbortController().signal,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.decode().prelude?.headers['content-type']).toBe('text/event-stream'); // no event yet
    release();
    await done;
    expect(rec.decode().body).toBe(': keepalive\n\n');
  });

  it('writes an empty 405 with its status and Allow header', async () => {
    const rec = recordingStream();
    await pipeResponse(
      new Response(null, { status: 405, headers: { allow: 'POST' } }),
      rec.stream,
      new AbortController().signal,
    );
    expect(rec.decode().prelude).toEqual({ statusCode: 405, headers: { allow: 'POST' }, cookies: [] });
  });

  it('moves every Set-Cookie into cookies[] instead of folding them', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; HttpOnly');
    headers.append('vary', 'Origin');
    headers.append('vary', 'Accept');
    const p = preludeOf(new Response(null, { headers }));
    expect(p.cookies).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(p.headers).toEqual({ vary: 'Origin, Accept' });
  });

  it('pipes chunks as they arrive, not at the end', async () => {
    const rec = recordingStream();
    const { body, produced } = timedBody(['a', 'b', 'c', 'd'], 80);
    await pipeResponse(new Response(body), rec.stream, new AbortController().signal);
    const { chunks } = rec.decode();
    expect(chunks.map((c) => c.text)).toEqual(['a', 'b', 'c', 'd']);
    // Ordering, not speed: each chunk was written before the producer handed over the next one.
    for (let i = 0; i < 3; i++) expect(chunks[i]!.at).toBeLessThan(produced[i + 1]!);
  });

  it('cancels the body when the signal aborts (client disconnect)', async () => {
    const rec = recordingStream();
    const ac = new AbortController();
    let cancelled: unknown;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('first'));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    setTimeout(() => ac.abort(new Error('gone')), 30);
    const stats = await pipeResponse(new Response(body), rec.stream, ac.signal);
    expect(stats).toEqual({ bytes: 5, chunks: 1 });
    expect(String(cancelled)).toContain('gone');
  });
});
