// The per-request audit API the functions use.
//
//   createAuditor(cfg, opts?) -> Auditor { stream, begin(request, ctx): AuditSpan, flush(opts?): Promise<void> }
//   withAudit(handler, auditor): WebHandler   wraps a web handler: one record per HTTP request, always
//   auditSpanOf(request): AuditSpan | undefined   the span withAudit opened for this exact Request object
//
//   AuditSpan
//     setPrincipal(principal | undefined)   after auth; identifiers only, the token never reaches the record
//     setRpc({ era, protocolVersion, method, rpcId, tool, args, sessionId, meta })
//                                           args -> argsDigest/argsBytes (+ allow-listed fields); meta.traceparent
//     setOutcome(outcome, { rpcErrorCode?, error? })   what the handler knows (tool_error, denied, timeout...)
//     addToolCall({ tool, rpcId, args, outcome, rpcErrorCode?, error?, durationMs?, method? })
//                                           batches: one extra `tool_call` record per call
//     end(response | { status, bytesOut, chunksOut, interrupted, error })   writes the records; later calls are no-ops
//
// Outcome precedence: a transport interruption (client gone -> aborted, deadline -> timeout) beats
// what the handler set, which beats the outcome implied by the HTTP status (outcomeForStatus).
// Records are redacted, hash-chained (per auditor = per process) and handed to the sinks without
// waiting; call auditor.flush() before the invocation returns so DynamoDB writes complete.
import type { Config } from '../config.ts';
import type { InvocationContext, WebHandler } from '../web-handler.ts';
import { digestOf } from './canonical.ts';
import { type Chain, createChain, newStreamId } from './chain.ts';
import {
  AUDIT_MESSAGE,
  AUDIT_SCHEMA_VERSION,
  type AuditPrincipal,
  type AuditRecord,
  type Era,
  levelForOutcome,
  type Outcome,
  outcomeForStatus,
  type RecordPrincipal,
  type UnchainedRecord,
} from './record.ts';
import { redactString, redactValue } from './redact.ts';
import { type AuditSink, createDispatcher, sinksFor } from './sinks.ts';

export interface RpcFacts {
  era?: Era;
  protocolVersion?: string;
  method?: string;
  rpcId?: string | number | null;
  tool?: string;
  /** Tool arguments: only their digest and size are recorded, plus allow-listed fields. */
  args?: unknown;
  sessionId?: string;
  /** `params._meta`: its `traceparent` is used when the request had no traceparent header. */
  meta?: unknown;
}

export interface ToolCallFacts {
  tool: string;
  rpcId?: string | number | null;
  args?: unknown;
  outcome: Outcome;
  rpcErrorCode?: number;
  error?: unknown;
  durationMs?: number;
  /** Defaults to tools/call. */
  method?: string;
}

export type Interruption = 'aborted' | 'timeout';

export interface EndFacts {
  status?: number;
  bytesOut?: number;
  chunksOut?: number;
  interrupted?: Interruption;
  error?: unknown;
}

export interface AuditSpan {
  readonly requestId: string;
  readonly ended: boolean;
  setPrincipal(principal: AuditPrincipal | undefined): void;
  setRpc(facts: RpcFacts): void;
  setOutcome(outcome: Outcome, detail?: { rpcErrorCode?: number; error?: unknown }): void;
  addToolCall(call: ToolCallFacts): void;
  end(response?: Response | EndFacts): void;
}

export interface Auditor {
  readonly stream: string;
  begin(request: Request, ctx: InvocationContext): AuditSpan;
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

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The W3C trace id of a traceparent value, or undefined when it is not one. Pure. */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const m = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  return m && !/^0+$/.test(m[1]!) ? m[1] : undefined;
}

/** Allow-listed top-level argument fields for a tool; undefined when none apply. Pure. */
export function allowListedArgs(
  allowList: Record<string, string[]>,
  tool: string | undefined,
  args: unknown,
): Record<string, unknown> | undefined {
  const fields = tool ? allowList[tool] : undefined;
  if (!fields?.length || typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (Object.hasOwn(args, f)) out[f] = (args as Record<string, unknown>)[f];
  return Object.keys(out).length ? out : undefined;
}

/** Which interruption a signal (or an error) stands for, if any. Pure. */
export function interruptionOf(signal: AbortSignal | undefined, err?: unknown): Interruption | undefined {
  if (signal?.aborted) return (signal.reason as Error | undefined)?.name === 'TimeoutError' ? 'timeout' : 'aborted';
  if ((err as Error | undefined)?.name === 'TimeoutError') return 'timeout';
  return undefined;
}

function errorText(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return redactString(text).slice(0, 500);
}

function argFacts(allowList: Record<string, string[]>, tool: string | undefined, args: unknown) {
  if (args === undefined) return {};
  let digest: { digest: string; bytes: number } | undefined;
  try {
    digest = digestOf(args);
  } catch {
    digest = undefined; // no JSON form (cannot happen for parsed JSON-RPC)
  }
  return { argsDigest: digest?.digest, argsBytes: digest?.bytes, args: allowListedArgs(allowList, tool, args) };
}

function xrayTraceId(): string | undefined {
  // Set by the Lambda runtime per invocation (not configuration); Powertools logs its Root part.
  const raw = process.env._X_AMZN_TRACE_ID;
  return raw ? (/Root=([^;]+)/.exec(raw)?.[1] ?? undefined) : undefined;
}

type EnvelopeKey =
  | 'level'
  | 'message'
  | 'timestamp'
  | 'service'
  | 'cold_start'
  | 'function_name'
  | 'function_version'
  | 'function_request_id'
  | 'xray_trace_id'
  | 'schema';

let coldStart = true;

/**
 * Top-level fields whose values this module produces itself (literals, enums, numbers, digests, the
 * ISO time, ids from the Lambda context and environment): no caller input can reach them, so running
 * the redactor over them could never change them. Every other field (principal, path, user agent,
 * method, tool, rpc id, session id, protocol version, allow-listed args, error text...) is redacted.
 * Skipping the redactor for these halves its cost per record (it tests two patterns on every key and
 * string of the record).
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
]);

/** redactValue over the record, minus the fields above; the record's own keys are our literals. */
function redactRecord(record: UnchainedRecord): UnchainedRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    out[k] = PRODUCED_FIELDS.has(k) ? v : redactValue(v);
  }
  return out as unknown as UnchainedRecord;
}

export function createAuditor(cfg: Config, opts: AuditorOptions = {}): Auditor {
  const now = opts.now ?? Date.now;
  const chain: Chain = createChain(opts.stream ?? newStreamId(process.env.AWS_LAMBDA_LOG_STREAM_NAME));
  const dispatcher = createDispatcher(opts.sinks ?? sinksFor(cfg), opts.stderr ? { stderr: opts.stderr } : {});
  const allowList = cfg.audit.argsAllowList;

  const write = (record: UnchainedRecord) => {
    let linked: AuditRecord;
    try {
      linked = chain.link(redactRecord(record)) as AuditRecord;
    } catch (err) {
      // Never let auditing break a request; say so once on stderr.
      (opts.stderr ?? ((l: string) => void process.stderr.write(l)))(
        `${JSON.stringify({ level: 'ERROR', message: `audit record could not be built: ${errorText(err)}` })}\n`,
      );
      return;
    }
    dispatcher.emit(linked);
  };

  return {
    stream: chain.stream,
    flush: (o) => dispatcher.flush(o),
    begin(request, ctx) {
      const started = now();
      const cold = coldStart;
      coldStart = false;
      const url = new URL(request.url);
      let traceId = traceIdOf(request.headers.get('traceparent'));
      let principal: RecordPrincipal | undefined;
      let rpc: Omit<RpcFacts, 'args' | 'meta'> & ReturnType<typeof argFacts> = {};
      let outcome: Outcome | undefined;
      let rpcErrorCode: number | undefined;
      let error: string | undefined;
      const toolCalls: ToolCallFacts[] = [];
      let ended = false;

      const envelope = (level: AuditRecord['level']): Pick<UnchainedRecord, EnvelopeKey> => ({
        level,
        message: AUDIT_MESSAGE,
        timestamp: new Date(started).toISOString(),
        service: cfg.resourceName,
        cold_start: cold,
        function_name: ctx.functionName,
        function_version: ctx.functionVersion,
        function_request_id: ctx.requestId,
        xray_trace_id: xrayTraceId(),
        schema: AUDIT_SCHEMA_VERSION,
      });
      const shared = () => ({
        traceId,
        principal,
        sessionId: rpc.sessionId,
        era: rpc.era,
        protocolVersion: rpc.protocolVersion,
        httpMethod: request.method,
        path: url.pathname,
        sourceIp: ctx.sourceIp || undefined,
        userAgent: (ctx.userAgent ?? request.headers.get('user-agent') ?? undefined)?.slice(0, 256),
      });

      return {
        requestId: ctx.requestId,
        get ended() {
          return ended;
        },
        setPrincipal(p) {
          principal = p
            ? { sub: p.subject, clientId: p.clientId || undefined, scopes: [...p.scopes], jti: p.jti || undefined }
            : undefined;
        },
        setRpc(facts) {
          const { args, meta, ...rest } = facts;
          rpc = { ...rpc, ...rest, ...(args !== undefined ? argFacts(allowList, facts.tool ?? rpc.tool, args) : {}) };
          traceId ??= traceIdOf((meta as { traceparent?: unknown } | undefined)?.traceparent);
        },
        setOutcome(o, detail = {}) {
          outcome = o;
          if (detail.rpcErrorCode !== undefined) rpcErrorCode = detail.rpcErrorCode;
          if (detail.error !== undefined) error = errorText(detail.error);
        },
        addToolCall(call) {
          toolCalls.push(call);
        },
        end(response) {
          if (ended) return;
          ended = true;
          const fin: EndFacts = response instanceof Response ? { status: response.status } : (response ?? {});
          const durationMs = Math.max(0, Math.round(now() - started));
          const final: Outcome =
            fin.interrupted ??
            (fin.error !== undefined ? 'error' : undefined) ??
            outcome ??
            (fin.status !== undefined ? outcomeForStatus(fin.status) : 'ok');
          for (const call of toolCalls) {
            write({
              ...envelope(levelForOutcome(call.outcome)),
              kind: 'tool_call',
              ...shared(),
              method: call.method ?? 'tools/call',
              rpcId: call.rpcId,
              tool: call.tool,
              ...argFacts(allowList, call.tool, call.args),
              outcome: call.outcome,
              httpStatus: fin.status,
              rpcErrorCode: call.rpcErrorCode,
              error: errorText(call.error),
              durationMs: call.durationMs ?? durationMs,
            });
          }
          write({
            ...envelope(levelForOutcome(final)),
            kind: 'request',
            ...shared(),
            method: rpc.method,
            rpcId: rpc.rpcId,
            tool: rpc.tool,
            argsDigest: rpc.argsDigest,
            argsBytes: rpc.argsBytes,
            args: rpc.args,
            outcome: final,
            httpStatus: fin.status,
            rpcErrorCode,
            error: errorText(fin.error) ?? error,
            durationMs,
            bytesOut: fin.bytesOut,
            chunksOut: fin.chunksOut,
          });
        },
      };
    },
  };
}

const spans = new WeakMap<Request, AuditSpan>();

/** The span withAudit opened for this Request (the same object the handler received). */
export function auditSpanOf(request: Request): AuditSpan | undefined {
  return spans.get(request);
}

/**
 * Wraps a web handler so every HTTP request yields exactly one `request` record, written when the
 * response body finishes, is cancelled by the consumer (client gone: `aborted`, bytes so far), or
 * when ctx.signal aborts (`aborted`, or `timeout` for a TimeoutError reason). The body is passed
 * through chunk by chunk (highWaterMark 0), never buffered. A handler that throws gets a record with
 * outcome `error` and httpStatus 500 (what lib/http answers), and the error is re-thrown.
 */
export function withAudit(handler: WebHandler, auditor: Auditor): WebHandler {
  return async (request, ctx) => {
    const span = auditor.begin(request, ctx);
    spans.set(request, span);
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
    let bytesOut = 0;
    let chunksOut = 0;
    const status = response.status;
    const finish = (extra: Pick<EndFacts, 'interrupted' | 'error'> = {}) => {
      ctx.signal.removeEventListener('abort', onAbort);
      span.end({ status, bytesOut, chunksOut, ...extra });
    };
    // Client gone or deadline: record now with the bytes so far; lib/http cancels the body itself.
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
