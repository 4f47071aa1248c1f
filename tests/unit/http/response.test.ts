import { describe, expect, it } from 'vitest';
import { pipeResponse, preludeOf, toBufferedResult } from '../../../lib/http/response.ts';
import { recordingStream } from '../../support/lambda.ts';

function timedBody(parts: string[], gapMs: number): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i >= parts.length) return controller.close();
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      controller.enqueue(enc.encode(parts[i++]));
    },
  });
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
    const t0 = performance.now();
    await pipeResponse(new Response(timedBody(['a', 'b', 'c', 'd'], 80)), rec.stream, new AbortController().signal);
    const { chunks } = rec.decode();
    expect(chunks.map((c) => c.text)).toEqual(['a', 'b', 'c', 'd']);
    // The first chunk left ~240 ms before the last one.
    expect(chunks[0]!.at - t0).toBeLessThan(60);
    expect(chunks[3]!.at - chunks[0]!.at).toBeGreaterThan(200);
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

describe('buffered results', () => {
  it('returns a payload 2.0 result with cookies and a text body', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('set-cookie', 'a=1');
    const r = await toBufferedResult(new Response('{"ok":true}', { status: 200, headers }), false);
    expect(r).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: ['a=1'],
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });

  it('base64-encodes binary bodies and keeps multi-value headers for REST', async () => {
    const headers = new Headers({ 'content-type': 'application/octet-stream' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const r = await toBufferedResult(new Response(new Uint8Array([0, 255]), { status: 200, headers }), true);
    expect(r.isBase64Encoded).toBe(true);
    expect(Buffer.from(r.body, 'base64')).toEqual(Buffer.from([0, 255]));
    expect(r.multiValueHeaders['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});
