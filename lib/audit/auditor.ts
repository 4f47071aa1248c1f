// The per-request audit API the functions use: an auditor per process (redaction, hash chain, sinks),
// and withAudit, which gives every HTTP request exactly one `request` record (plus one `tool_call`
// record per call of a batch).
//
// Outcome precedence: a transport interruption (client gone -> aborted, deadline -> timeout) beats what
// the handler set, which beats the outcome of the request's own JSON-RPC call (tool_error, rpc_error),
// which beats the outcome implied by the HTTP status (outcomeForStatus).
import type { Config } from '../config.ts';
import type { Delivery, InvocationContext, RequestHead, WebHandler } from '../web-handler.ts';
import { canonicalView } from './build.ts';
import { type Chain, createChain, newStreamId } from './chain.ts';
import { allowListMap, type EndFacts, errorText, interruptionOf } from './facts.ts';
import type { AuditRecord, UnchainedRecord } from './record.ts';
import { redactString, redactValue } from './redact.ts';
import { type AuditSink, createDispatcher, sinksFor } from './sinks.ts';
import { type AuditSpan, openSpan } from './span.ts';
import { type TaskAuditFacts, taskRecord } from './task.ts';

export type { AuditSpan } from './span.ts';

export interface Auditor {
  /** The hash chain's stream id. */
  readonly stream: string;
  /** Opens the span of one request; a RequestHead is enough (a Request is one). */
  begin(request: RequestHead, ctx: InvocationContext): AuditSpan;
  /** Writes one `task` record (created, status change, result fetched) on this auditor's chain and sinks. */
  task(facts: TaskAuditFacts): void;
  /** Waits for pending sink writes (at most timeoutMs, default 2000). Never throws. */
  flush(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface AuditorOptions {
  /** Defaults to sinksFor(cfg): stdout, plus DynamoDB when AUDIT_SINK=dynamodb. */
  sinks?: AuditSink[];
  /** Log stream id for the hash chain; defaults to the Lambda log stream name plus a random suffix. */
  stream?: string;
  now?: () => number;
  stderr?: (line: string) => void;
}

let coldStart = true;

/**
 * Top-level fields whose values this module produces itself (literals, enums, numbers, digests, the
 * ISO time, ids from the Lambda context and environment): no caller input can reach them, so running
 * the redactor over them could never change them. Every other field (principal, path, user agent,
 * method, tool, rpc id, session id, protocol version, allow-listed args, error text...) is redacted.
 */
const PRODUCED_FIELDS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_name',
  'function_version',
  'function_request_id',
  'xray_trace_id',
  'schema',
  'kind',
  'era',
  'outcome',
  'httpStatus',
  'rpcErrorCode',
  'durationMs',
  'bytesOut',
  'chunksOut',
  'argsDigest',
  'argsBytes',
  'taskId',
  'taskEvent',
  'taskStatus',
  'stream',
  'seq',
  'prev',
]);

/**
 * redactValue over the record, minus the fields above, in place: the record is a fresh object of ours
 * (span.ts, task.ts build one per write), so no copy is needed and its key order (the line format) is
 * kept. Its own keys are our literals; undefined members stay (JSON leaves them out).
 */
function redactInPlace(record: UnchainedRecord): UnchainedRecord {
  const fields = record as unknown as Record<string, unknown>;
  for (const k in fields) {
    if (PRODUCED_FIELDS.has(k) || !Object.hasOwn(fields, k)) continue;
    const v = fields[k];
    // Strings (most fields) take redactString's fast path; objects get the deep, cycle-safe copy.
    if (typeof v === 'string') fields[k] = redactString(v);
    else if (typeof v === 'object' && v !== null) fields[k] = redactValue(v);
  }
  return record;
}

/** Records are redacted, hash-chained (one chain per auditor, i.e. per process) and handed to the sinks. */
export function createAuditor(cfg: Config, opts: AuditorOptions = {}): Auditor {
  const now = opts.now ?? Date.now;
  const chain: Chain = createChain(opts.stream ?? newStreamId(process.env.AWS_LAMBDA_LOG_STREAM_NAME));
  const dispatcher = createDispatcher(opts.sinks ?? sinksFor(cfg), opts.stderr ? { stderr: opts.stderr } : {});
  const allowList = allowListMap(cfg.audit.argsAllowList);
  const stderr = opts.stderr ?? ((l: string) => void process.stderr.write(l));

  /** The records one request ends with (tool_call records, then its request record), or one task record. */
  const write = (records: UnchainedRecord[]) => {
    const linked: AuditRecord[] = [];
    const lines: string[] = [];
    for (const record of records) {
      try {
        const sealed = chain.seal(redactInPlace(record), canonicalView);
        linked.push(sealed.record as AuditRecord);
        lines.push(sealed.line);
      } catch (err) {
        // Never let auditing break a request; say so on stderr.
        stderr(
          `${JSON.stringify({ level: 'ERROR', message: `audit record could not be built: ${errorText(err)}` })}\n`,
        );
      }
    }
    if (linked.length > 0) dispatcher.emit(linked, lines);
  };

  return {
    stream: chain.stream,
    flush: (o) => dispatcher.flush(o),
    begin(request, ctx) {
      const cold = coldStart;
      coldStart = false;
      return openSpan({ service: cfg.resourceName, allowList, now, coldStart: cold, write }, request, ctx);
    },
    task(facts) {
      const cold = coldStart;
      coldStart = false;
      write([taskRecord(facts, { service: cfg.resourceName, coldStart: cold, now: now() })]);
    },
  };
}

const perConfig = new WeakMap<Config, Auditor>();

/**
 * The process's auditor for this configuration (created once): the request records of audited() and the task
 * records of lib/apps/tasks.ts share one chain and one flush.
 */
export function auditorFor(cfg: Config): Auditor {
  const known = perConfig.get(cfg);
  if (known) return known;
  const made = createAuditor(cfg);
  perConfig.set(cfg, made);
  return made;
}

const spans = new WeakMap<Request, AuditSpan>();

/** The span withAudit opened for this Request (the same object the handler received). */
export function auditSpanOf(request: Request): AuditSpan | undefined {
  return spans.get(request);
}

/**
 * Wraps a web handler so every HTTP request yields exactly one `request` record. The response ends when
 * its body finishes, is cancelled by the consumer (client gone: `aborted`, bytes so far), or when
 * ctx.signal aborts (`aborted`, or `timeout` for a TimeoutError reason); work the handler registers with
 * ctx.waitUntil is held on the span, so the record also waits for it. The body is passed through chunk
 * by chunk (highWaterMark 0), never buffered. A handler that throws gets a record with outcome `error`
 * and httpStatus 500 (what lib/http answers), and the error is re-thrown.
 */
/**
 * The InvocationContext.onDelivered listener that ends `span` for a `status` response with what the front
 * adapter delivered of its body: bytes, chunks, and an interruption (client gone, deadline) or failure.
 */
export function endOnDelivery(span: AuditSpan, status: number, signal: AbortSignal): (delivery: Delivery) => void {
  return ({ bytes, chunks, error }) => {
    const interrupted = interruptionOf(signal, error);
    span.end({ status, bytesOut: bytes, chunksOut: chunks, interrupted, error: interrupted ? undefined : error });
  };
}

export function withAudit(handler: WebHandler, auditor: Auditor): WebHandler {
  return async (request, outer) => {
    const span = auditor.begin(request, outer);
    spans.set(request, span);
    const ctx: InvocationContext = {
      ...outer,
      waitUntil: (work) => outer.waitUntil(typeof work === 'function' ? work : span.hold(work)),
    };
    let response: Response;
    try {
      response = await handler(request, ctx);
    } catch (err) {
      const interrupted = interruptionOf(ctx.signal, err);
      span.end(interrupted ? { interrupted, error: undefined } : { status: 500, error: err });
      throw err;
    }
    if (!response.body) {
      span.end({ status: response.status, bytesOut: 0, chunksOut: 0, interrupted: interruptionOf(ctx.signal) });
      return response;
    }
    const status = response.status;
    if (outer.onDelivered) {
      // lib/http writes the body and counts it; no second stream is needed to see bytes and the end.
      outer.onDelivered(endOnDelivery(span, status, ctx.signal));
      return response;
    }
    let bytesOut = 0;
    let chunksOut = 0;
    const finish = (extra: Pick<EndFacts, 'interrupted' | 'error'> = {}) => {
      ctx.signal.removeEventListener('abort', onAbort);
      span.end({ status, bytesOut, chunksOut, ...extra });
    };
    // Client gone or deadline: the response ends now with the bytes so far; lib/http cancels the body itself.
    const onAbort = () => finish({ interrupted: interruptionOf(ctx.signal) ?? 'aborted' });
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (err) {
            finish({ interrupted: interruptionOf(ctx.signal, err), error: err });
            controller.error(err);
            return;
          }
          if (next.done) {
            finish();
            controller.close();
            return;
          }
          bytesOut += next.value.byteLength ?? 0;
          chunksOut += 1;
          controller.enqueue(next.value);
        },
        cancel(reason) {
          finish({ interrupted: interruptionOf(ctx.signal) ?? 'aborted' });
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status, statusText: response.statusText, headers: response.headers });
  };
}
