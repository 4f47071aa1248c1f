// One request's audit span: collects facts while the request is served and writes its records once the
// response has ended AND every piece of work held on the span has settled (a legacy POST is answered
// 202 before its message is processed; a 2025 POST stream may lose its client before its calls end).
// Held work that outlives the invocation deadline does not keep the record back: it is written just
// before the deadline with outcome `timeout`.
import type { InvocationContext, RequestHead } from '../web-handler.ts';
import { buildRecord, type OwnFields, type SharedFields, xrayTraceId } from './build.ts';
import {
  argFacts,
  type CallFacts,
  type CallResult,
  type EndFacts,
  errorText,
  pathOf,
  policyFacts,
  type RpcFacts,
  rpcKey,
  traceIdOf,
} from './facts.ts';
import {
  type AuditPrincipal,
  levelForOutcome,
  type Outcome,
  outcomeForStatus,
  type RecordPrincipal,
  type UnchainedRecord,
} from './record.ts';

export interface AuditSpan {
  readonly requestId: string;
  /** The client IP as the front door reported it ('' when unknown): what Cedar policies see as source_ip. */
  readonly sourceIp: string;
  /** True once the records are written; facts given later are ignored. */
  readonly closed: boolean;
  /** After authentication; identifiers only, the token never reaches the record. */
  setPrincipal(principal: AuditPrincipal | undefined): void;
  /** The request's era and first JSON-RPC message. */
  setRpc(facts: RpcFacts): void;
  /** Every `tools/call` of the body. With more than one, each gets a `tool_call` record of its own. */
  expectCalls(calls: readonly CallFacts[]): void;
  /** How the JSON-RPC request with this id ended; the first specific outcome wins over `ok`. */
  settle(rpcId: string | number, result: CallResult): void;
  /** What the handler knows about the whole request (e.g. `tool_error`). */
  setOutcome(outcome: Outcome, detail?: { rpcErrorCode?: number; error?: unknown }): void;
  /** Keeps the records open until `work` settles; resolves once it has (and the records are out, if last). */
  hold(work: Promise<unknown>): Promise<void>;
  /** The response ended; the records are written now, or when the held work settles. Later calls are no-ops. */
  end(response?: Response | EndFacts): void;
}

/** What a span needs from its auditor. */
export interface SpanDeps {
  service: string;
  allowList: ReadonlyMap<string, readonly string[]>;
  now: () => number;
  coldStart: boolean;
  /** All records the request ends with, in order: its tool_call records (a batch), then its request record. */
  write(records: UnchainedRecord[]): void;
}

/** Held work still pending this long before the deadline no longer keeps the record back. */
export const HOLD_MARGIN_MS = 500;

/** A span for one request; the auditor opens one per request (createAuditor().begin). */
export function openSpan(deps: SpanDeps, request: RequestHead, ctx: InvocationContext): AuditSpan {
  const started = deps.now();
  const path = pathOf(request.url);
  let traceId = traceIdOf(request.headers.get('traceparent'));
  let principal: RecordPrincipal | undefined;
  let rpc: Omit<RpcFacts, 'args' | 'meta'> & ReturnType<typeof argFacts> = {};
  let calls: readonly CallFacts[] = [];
  const results = new Map<string, CallResult>();
  let outcome: Outcome | undefined;
  let rpcErrorCode: number | undefined;
  let error: string | undefined;
  let ended: EndFacts | undefined;
  let held = 0;
  let closed = false;
  let guard: ReturnType<typeof setTimeout> | undefined;

  const write = () => {
    if (closed || !ended) return;
    closed = true;
    if (guard) clearTimeout(guard);
    const fin = ended;
    const durationMs = Math.max(0, Math.round(deps.now() - started));
    const single = calls.length <= 1;
    const ownId = rpc.rpcId ?? (calls.length === 1 ? calls[0]!.rpcId : undefined);
    const own = ownId === undefined || ownId === null ? undefined : results.get(rpcKey(ownId));
    const final: Outcome =
      fin.interrupted ??
      (fin.error !== undefined ? 'error' : undefined) ??
      outcome ??
      (single && own && own.outcome !== 'ok' ? own.outcome : undefined) ??
      (fin.status !== undefined ? outcomeForStatus(fin.status) : 'ok');
    const shared: SharedFields = {
      coldStart: deps.coldStart,
      era: rpc.era,
      functionName: ctx.functionName,
      functionVersion: ctx.functionVersion,
      httpMethod: request.method,
      path,
      principal,
      protocolVersion: rpc.protocolVersion,
      requestId: ctx.requestId,
      service: deps.service,
      sessionId: rpc.sessionId,
      sourceIp: ctx.sourceIp || undefined,
      timestamp: new Date(started).toISOString(),
      traceId,
      userAgent: (ctx.userAgent ?? request.headers.get('user-agent') ?? undefined)?.slice(0, 256),
      xrayTraceId: xrayTraceId(),
    };
    const records: UnchainedRecord[] = [];
    if (!single) {
      for (const call of calls) {
        const r = results.get(rpcKey(call.rpcId));
        // A call with no answer of its own shares the request's fate (refused, cut off, timed out).
        const callOutcome = r?.outcome ?? (final === 'ok' ? 'error' : final);
        const a = argFacts(deps.allowList, call.tool, call.args);
        const p = policyFacts(r);
        const own: OwnFields = {
          args: a.args,
          argsBytes: a.argsBytes,
          argsDigest: a.argsDigest,
          decision: p.decision,
          durationMs: r?.durationMs ?? durationMs,
          error: r ? r.error : callOutcome === 'error' ? 'no answer' : undefined,
          httpStatus: fin.status,
          kind: 'tool_call',
          level: levelForOutcome(callOutcome),
          method: 'tools/call',
          outcome: callOutcome,
          policies: p.policies,
          rpcErrorCode: r?.rpcErrorCode,
          rpcId: call.rpcId,
          tool: call.tool,
        };
        records.push(buildRecord(shared, own));
      }
    }
    const p = single ? policyFacts(own) : {};
    const mine: OwnFields = {
      args: rpc.args,
      argsBytes: rpc.argsBytes,
      argsDigest: rpc.argsDigest,
      bytesOut: fin.bytesOut,
      chunksOut: fin.chunksOut,
      decision: p.decision,
      durationMs,
      error: errorText(fin.error) ?? error ?? (single && final === own?.outcome ? own?.error : undefined),
      httpStatus: fin.status,
      kind: 'request',
      level: levelForOutcome(final),
      method: rpc.method,
      outcome: final,
      policies: p.policies,
      rpcErrorCode: rpcErrorCode ?? (single ? own?.rpcErrorCode : undefined),
      rpcId: rpc.rpcId,
      tool: rpc.tool,
    };
    records.push(buildRecord(shared, mine));
    deps.write(records);
  };

  return {
    requestId: ctx.requestId,
    sourceIp: ctx.sourceIp,
    get closed() {
      return closed;
    },
    setPrincipal(p) {
      principal = p
        ? { sub: p.subject, clientId: p.clientId || undefined, scopes: [...p.scopes], jti: p.jti || undefined }
        : undefined;
    },
    setRpc(facts) {
      const { args, meta, ...rest } = facts;
      rpc = { ...rpc, ...rest, ...(args !== undefined ? argFacts(deps.allowList, facts.tool ?? rpc.tool, args) : {}) };
      traceId ??= traceIdOf((meta as { traceparent?: unknown } | undefined)?.traceparent);
    },
    expectCalls(list) {
      calls = [...list];
    },
    settle(rpcId, result) {
      if (closed) return;
      const key = rpcKey(rpcId);
      results.set(key, mergeResults(results.get(key), result));
    },
    setOutcome(o, detail = {}) {
      outcome = o;
      if (detail.rpcErrorCode !== undefined) rpcErrorCode = detail.rpcErrorCode;
      if (detail.error !== undefined) error = errorText(detail.error);
    },
    hold(work) {
      if (closed) return work.then(noop, noop);
      held += 1;
      return work.then(noop, noop).then(() => {
        held -= 1;
        if (held === 0) write();
      });
    },
    end(response) {
      if (ended || closed) return;
      ended = response instanceof Response ? { status: response.status } : { ...response };
      if (held === 0) return write();
      const left = Math.max(0, ctx.deadline - Date.now() - HOLD_MARGIN_MS);
      guard = setTimeout(() => {
        if (ended && !ended.interrupted) ended.interrupted = 'timeout';
        write();
      }, left);
      guard.unref?.();
    },
  };
}

function noop(): void {}

/** Two reports on one call (the tool's own, the answer the server sent): a specific outcome beats `ok`. */
export function mergeResults(prev: CallResult | undefined, next: CallResult): CallResult {
  if (!prev) return { ...next };
  const [first, second] = prev.outcome !== 'ok' || next.outcome === 'ok' ? [prev, next] : [next, prev];
  return {
    outcome: first.outcome,
    rpcErrorCode: first.rpcErrorCode ?? second.rpcErrorCode,
    error: first.error ?? second.error,
    durationMs: prev.durationMs ?? next.durationMs,
    ...policyFacts(prev.decision ? prev : next),
  };
}
