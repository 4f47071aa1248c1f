// The invocation signal (lib/http/lambda.ts): it aborts when the client goes away before we end the
// response, not on the 'close' that follows our own end of the stream (issue #18: that abort cost every
// invocation a DOMException and a round of abort listeners, and told background work a client had gone).
// The body text handed to the app (ctx.bodyText) is the event's text body, and only that.
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../lib/http/index.ts';
import type { InvocationContext } from '../../../lib/web-handler.ts';
import { functionUrlEvent, lambdaContext, recordingStream } from '../../support/lambda.ts';

type Streaming = (e: unknown, s: unknown, c: unknown) => Promise<void>;

describe('the invocation signal', () => {
  it('stays unaborted after a response we ended, while waitUntil work still runs', async () => {
    let seen: InvocationContext | undefined;
    let abortedDuringWork: boolean | undefined;
    const handler = lambdaHandler(async (_req, ctx) => {
      seen = ctx;
      ctx.waitUntil(
        (async () => {
          await tick();
          await tick();
          abortedDuringWork = ctx.signal.aborted;
        })(),
      );
      return new Response('done');
    }, 'stream') as Streaming;
    const rec = recordingStream();
    await handler(functionUrlEvent({ method: 'GET' }), rec.stream, lambdaContext());
    await tick();
    expect(rec.decode().body).toBe('done');
    expect(abortedDuringWork).toBe(false);
    expect(seen!.signal.aborted).toBe(false);
  });

  it('aborts when the client goes away before the end', async () => {
    let signal: AbortSignal | undefined;
    const handler = lambdaHandler(async (_req, ctx) => {
      signal = ctx.signal;
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('first'));
        },
      });
      return new Response(body);
    }, 'stream') as Streaming;
    const rec = recordingStream();
    const done = handler(functionUrlEvent({ method: 'GET' }), rec.stream, lambdaContext());
    await tick();
    rec.stream.destroy();
    await done;
    expect(signal!.aborted).toBe(true);
    expect((signal!.reason as DOMException).name).toBe('AbortError');
  });
});

describe('ctx.bodyText', () => {
  const run = async (init: Parameters<typeof functionUrlEvent>[0]) => {
    let text: string | undefined;
    let fromRequest = '';
    const handler = lambdaHandler(async (req, ctx) => {
      text = ctx.bodyText;
      fromRequest = await req.text();
      return new Response(null, { status: 204 });
    }, 'stream') as Streaming;
    await handler(functionUrlEvent(init), recordingStream().stream, lambdaContext());
    return { text, fromRequest };
  };

  it('is the text body the Request carries', async () => {
    const r = await run({ method: 'POST', body: '{"a":"é"}', headers: { 'content-type': 'application/json' } });
    expect(r.text).toBe('{"a":"é"}');
    expect(r.fromRequest).toBe(r.text);
  });

  it('is absent for a base64 body, a GET and a malformed Host', async () => {
    expect((await run({ method: 'POST', body: Buffer.from('{}'), headers: { 'content-type': 'x' } })).text).toBe(
      undefined,
    );
    expect((await run({ method: 'GET', body: '{}' })).text).toBe(undefined);
    expect((await run({ method: 'POST', body: '{}', headers: { host: 'a b' } })).text).toBe(undefined);
  });
});
