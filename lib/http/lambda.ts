// The Lambda face of a web handler: `lambdaHandler(app, mode)` is what functions/* export as `handler`.
// It picks the event's processor once, builds the InvocationContext, asks the app for an early answer
// (WebApp.early, from the request's head alone, before any Request exists) and writes it as is; otherwise
// it builds the Request, runs the app and writes its Response: streamed (the Function URL / REST response
// stream) or as a buffered result.
import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { log, withInvocation } from '../telemetry/index.ts';
import type { Delivery, InvocationContext, StaticAnswer, WebApp, WebHandler } from '../web-handler.ts';
import { albProcessor } from './alb.ts';
import { bodyAsTextOnly, textBodyOf } from './body.ts';
import { headOf } from './head.ts';
import type { EventProcessor, HttpEvent } from './processor.ts';
import { defectOf, type EventParts, requestOf } from './request.ts';
import { pipeResponse, writeAnswer } from './stream.ts';
import { v1Processor } from './v1.ts';
import { v2Processor } from './v2.ts';

/** Abort this long before the platform deadline so streams can close cleanly with a retry hint. */
const DEADLINE_MARGIN_MS = 1_000;

// biome-ignore lint/suspicious/noExplicitAny: one processor per event shape; each is typed on its own.
type AnyProcessor = EventProcessor<any, unknown>;

/** The processor for the event's shape: ALB, then payload 1.0 (httpMethod at the top), else payload 2.0. */
export function processorFor(event: HttpEvent): AnyProcessor {
  if (albProcessor.accepts(event)) return albProcessor;
  if (v1Processor.accepts(event)) return v1Processor;
  return v2Processor;
}

interface Pending {
  now: Array<Promise<unknown>>;
  after: Array<() => Promise<unknown>>;
}

function invocationContext(
  facts: ReturnType<AnyProcessor['facts']>,
  context: Context,
  signal: AbortSignal,
  pending: Pending,
): InvocationContext {
  const remaining =
    typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 900_000;
  return {
    requestId: context.awsRequestId || facts.requestId || crypto.randomUUID(),
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    sourceIp: facts.sourceIp,
    userAgent: facts.userAgent,
    signal,
    deadline: Date.now() + remaining,
    waitUntil: (work) => {
      if (typeof work === 'function') pending.after.push(work);
      // Background work reports its own failures; here it only has to settle before the invocation ends.
      else pending.now.push(work.catch(() => {}));
    },
  };
}

/** Waits for work registered with waitUntil (including work registered while waiting), then runs the deferred work. */
async function settle(pending: Pending): Promise<void> {
  for (let done = 0; done < pending.now.length; done = pending.now.length) await Promise.all(pending.now.slice(done));
  // Deferred work (the audit flush) reports its own failures; one failing must not skip the next.
  for (const run of pending.after.splice(0)) await run().catch(() => {});
}

function internalError(err: unknown): Response {
  log.error('unhandled error in web handler', { error: err });
  return Response.json(
    { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } },
    { status: 500, headers: { 'cache-control': 'no-store' } },
  );
}

/**
 * Aborts when the client disconnects (the response stream closes before we end it) or when the
 * invocation approaches its timeout, once armed. Tools see this through `request.signal`. An early
 * answer is written before anything could abort it, so only the full path arms the watch (a timer and
 * two stream listeners per invocation that the commonest refusals need not pay for).
 */
function lifetimeSignal(responseStream: Writable | undefined, context: Context) {
  const controller = new AbortController();
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onGone = () => {
    if (!finished) controller.abort(new DOMException('client disconnected', 'AbortError'));
  };
  const unwatch = () => {
    responseStream?.off('close', onGone);
    responseStream?.off('error', onGone);
  };
  return {
    signal: controller.signal,
    /** Starts watching the client and the deadline (the full path, before the Request is built). */
    arm() {
      const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
      if (remaining > 0) {
        timer = setTimeout(
          () => controller.abort(new DOMException('invocation deadline', 'TimeoutError')),
          Math.max(0, remaining - DEADLINE_MARGIN_MS),
        );
        timer.unref?.();
      }
      responseStream?.once('close', onGone);
      responseStream?.once('error', onGone);
    },
    /**
     * We ended the response stream: its 'close' that follows is no disconnect. (Aborting there cost every
     * invocation a DOMException and a round of abort listeners; the deadline still aborts.)
     */
    ended() {
      finished = true;
      unwatch();
    },
    finish() {
      finished = true;
      if (timer) clearTimeout(timer);
      unwatch();
    },
  };
}

/** One invocation: the event's parts and its context, then `body` with the invocation's log keys. */
function invoke<T>(
  event: HttpEvent,
  context: Context,
  signal: AbortSignal,
  pending: Pending,
  body: (processor: AnyProcessor, parts: EventParts, ctx: InvocationContext) => Promise<T>,
): Promise<T> {
  const processor = processorFor(event);
  const parts = processor.parts(event);
  const ctx = invocationContext(processor.facts(event), context, signal, pending);
  return withInvocation(ctx, () => body(processor, parts, ctx));
}

/**
 * The app's early answer (before any Request is built), when it has `early` and the event has an exact
 * head (head.ts); undefined takes the full path. An `early` that throws is a bug: logged, full path.
 */
function earlyAnswer(app: WebApp, parts: EventParts, ctx: InvocationContext): StaticAnswer | undefined {
  if (!app.early) return undefined;
  const head = headOf(parts);
  if (!head) return undefined;
  try {
    return app.early(head, ctx);
  } catch (err) {
    log.error('early answer failed', { error: err });
    return undefined;
  }
}

/**
 * The event as a Request; what it could not carry over goes into ctx.malformed, a text body into ctx.bodyText
 * (and, for an app that reads JSON only from there, not into a body stream that nobody would read).
 */
function requestFor(
  app: WebApp,
  event: HttpEvent,
  parts: EventParts,
  ctx: InvocationContext,
  signal: AbortSignal,
): Request {
  const text = textBodyOf(event, parts.method);
  const textOnly = text !== undefined && app.bodyFromText === true && bodyAsTextOnly(parts, text);
  const request = requestOf(parts, signal, !textOnly);
  const malformed = defectOf(request);
  if (malformed) ctx.malformed = malformed;
  else if (text !== undefined) ctx.bodyText = text;
  return request;
}

/** The app's Response; an app that throws answers 500. */
async function respond(app: WebHandler, request: Request, ctx: InvocationContext): Promise<Response> {
  try {
    return await app(request, ctx);
  } catch (err) {
    return internalError(err);
  }
}

/** The response-streaming handler (Function URL with RESPONSE_STREAM, API Gateway REST with STREAM). */
export function streamHandle(app: WebApp) {
  return awslambda.streamifyResponse(async (event: HttpEvent, responseStream: Writable, context: Context) => {
    const life = lifetimeSignal(responseStream, context);
    const pending: Pending = { now: [], after: [] };
    try {
      await invoke(event, context, life.signal, pending, async (_processor, parts, ctx) => {
        const delivered: Array<(d: Delivery) => void> = [];
        ctx.onDelivered = (listener) => void delivered.push(listener);
        const answer = earlyAnswer(app, parts, ctx);
        if (!answer) life.arm();
        const stats = answer
          ? writeAnswer(answer, responseStream, life.signal)
          : await pipeResponse(
              await respond(app, requestFor(app, event, parts, ctx, life.signal), ctx),
              responseStream,
              life.signal,
            );
        if (responseStream.writableEnded) life.ended();
        for (const listener of delivered) listener(stats);
        await settle(pending);
      });
    } finally {
      life.finish();
    }
  });
}

/** For fronts that cannot stream (ALB, API Gateway REST without streaming, `sam local start-api`). */
export function bufferedHandle(app: WebApp) {
  return async (event: HttpEvent, context: Context): Promise<unknown> => {
    const life = lifetimeSignal(undefined, context);
    const pending: Pending = { now: [], after: [] };
    try {
      return await invoke(event, context, life.signal, pending, async (processor, parts, ctx) => {
        const answer = earlyAnswer(app, parts, ctx);
        if (!answer) life.arm();
        const result = answer
          ? processor.staticResult(answer, event)
          : await processor.toResult(await respond(app, requestFor(app, event, parts, ctx, life.signal), ctx), event);
        await settle(pending);
        return result;
      });
    } finally {
      life.finish();
    }
  };
}

/** What functions/* export as `handler`: streamed, or buffered for fronts that cannot stream. */
export function lambdaHandler(app: WebApp, mode: 'stream' | 'buffered') {
  return mode === 'buffered' ? bufferedHandle(app) : streamHandle(app);
}
