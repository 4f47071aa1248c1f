// The Lambda face of a web handler: `lambdaHandler(app)` returns what functions/* export as `handler`.
// This folder is the only code that knows Lambda event and context shapes.
import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import type { InvocationContext, WebHandler } from './context.ts';
import { eventToRequest, type HttpEvent, isRestEvent, requestFacts } from './event.ts';
import { pipeResponse, toBufferedResult } from './response.ts';

/** Abort this long before the platform deadline so streams can close cleanly with a retry hint. */
const DEADLINE_MARGIN_MS = 1_000;

function invocationContext(
  event: HttpEvent,
  context: Context,
  signal: AbortSignal,
  pending: Pending,
): InvocationContext {
  const facts = requestFacts(event, context.awsRequestId);
  const remaining =
    typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 900_000;
  return {
    requestId: context.awsRequestId || facts.requestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    sourceIp: facts.sourceIp,
    userAgent: facts.userAgent,
    signal,
    deadline: Date.now() + remaining,
    waitUntil: (work) => {
      if (typeof work === 'function') pending.after.push(work);
      else pending.now.push(work.catch(() => {}));
    },
  };
}

interface Pending {
  now: Array<Promise<unknown>>;
  after: Array<() => Promise<unknown>>;
}

/** Waits for work registered with waitUntil (including work registered while waiting), then runs the deferred work. */
async function settle(pending: Pending): Promise<void> {
  for (let done = 0; done < pending.now.length; done = pending.now.length) await Promise.all(pending.now.slice(done));
  for (const run of pending.after.splice(0)) await run().catch(() => {});
}

function internalError(err: unknown): Response {
  console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error in web handler', error: String(err) }));
  return Response.json(
    { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } },
    { status: 500, headers: { 'cache-control': 'no-store' } },
  );
}

/**
 * Aborts when the client disconnects (the response stream closes before we end it) or when the
 * invocation approaches its timeout. Tools see this through `request.signal`.
 */
function lifetimeSignal(responseStream: Writable | undefined, context: Context) {
  const controller = new AbortController();
  let finished = false;
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
  const timer =
    remaining > 0
      ? setTimeout(
          () => controller.abort(new DOMException('invocation deadline', 'TimeoutError')),
          Math.max(0, remaining - DEADLINE_MARGIN_MS),
        )
      : undefined;
  timer?.unref?.();
  const onGone = () => {
    if (!finished) controller.abort(new DOMException('client disconnected', 'AbortError'));
  };
  responseStream?.once('close', onGone);
  responseStream?.once('error', onGone);
  return {
    signal: controller.signal,
    finish() {
      finished = true;
      if (timer) clearTimeout(timer);
      responseStream?.off('close', onGone);
      responseStream?.off('error', onGone);
    },
  };
}

export function streamHandle(app: WebHandler) {
  return awslambda.streamifyResponse(async (event: HttpEvent, responseStream: Writable, context: Context) => {
    const life = lifetimeSignal(responseStream, context);
    const pending: Pending = { now: [], after: [] };
    const ctx = invocationContext(event, context, life.signal, pending);
    let response: Response;
    try {
      response = await app(eventToRequest(event, life.signal), ctx);
    } catch (err) {
      response = internalError(err);
    }
    try {
      await pipeResponse(response, responseStream, life.signal);
      await settle(pending);
    } finally {
      life.finish();
    }
  });
}

/** For fronts that cannot stream (API Gateway REST without streaming, `sam local start-api`). */
export function bufferedHandle(app: WebHandler) {
  return async (event: HttpEvent, context: Context) => {
    const life = lifetimeSignal(undefined, context);
    const pending: Pending = { now: [], after: [] };
    const ctx = invocationContext(event, context, life.signal, pending);
    try {
      let response: Response;
      try {
        response = await app(eventToRequest(event, life.signal), ctx);
      } catch (err) {
        response = internalError(err);
      }
      const result = isRestEvent(event)
        ? await toBufferedResult(response, true)
        : await toBufferedResult(response, false);
      await settle(pending);
      return result;
    } finally {
      life.finish();
    }
  };
}

export function lambdaHandler(app: WebHandler, mode: 'stream' | 'buffered') {
  return mode === 'buffered' ? bufferedHandle(app) : streamHandle(app);
}
