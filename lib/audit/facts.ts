// The facts a span collects about one request, and the pure functions that turn them into record
// fields. Nothing here keeps state; span.ts does.
import { digestOf } from './canonical.ts';
import type { Era, Outcome } from './record.ts';
import { redactString } from './redact.ts';

/** What the MCP layer knows about the request's (first) JSON-RPC message. */
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

/** One `tools/call` of the request body (a batch has several). */
export interface CallFacts {
  tool: string;
  rpcId: string | number;
  args?: unknown;
}

/** How one JSON-RPC request of the body ended: from the tool itself or from the answer the server sent. */
export interface CallResult {
  outcome: Outcome;
  rpcErrorCode?: number;
  /** A text that cannot carry caller input (see errorClass). */
  error?: string;
  durationMs?: number;
  /** The Cedar policies' decision on a tools/call (only when policies are configured). */
  decision?: 'allow' | 'deny';
  /** The determining policy ids of that decision. */
  policies?: string[];
}

/** The Cedar decision of a call (lib/policy), when policies decided it. */
export function policyFacts(r: CallResult | undefined): Pick<CallResult, 'decision' | 'policies'> {
  return r?.decision ? { decision: r.decision, policies: r.policies ?? [] } : {};
}

export type Interruption = 'aborted' | 'timeout';

/** How the HTTP response ended. */
export interface EndFacts {
  status?: number;
  bytesOut?: number;
  chunksOut?: number;
  interrupted?: Interruption;
  error?: unknown;
}

/** The Map key of a JSON-RPC id: 1 and "1" are different ids. */
export function rpcKey(id: string | number): string {
  return `${typeof id}:${id}`;
}

let lastUrl: string | undefined;
let lastPath = '';

/**
 * URL path of a request URL (never the query). The last answer is kept: a function serves the same URL over
 * and over (POST /mcp), and parsing it again for every request cost ~1 % of a 401's CPU. Throws for an
 * invalid URL, as new URL() does (such a URL is never kept).
 */
export function pathOf(url: string): string {
  if (url !== lastUrl) {
    lastPath = new URL(url).pathname;
    lastUrl = url;
  }
  return lastPath;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The W3C trace id of a traceparent value, or undefined when it is not one. */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const m = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  return m && !/^0+$/.test(m[1]!) ? m[1] : undefined;
}

/** AUDIT_ARGS_ALLOWLIST as a Map, so a caller's tool name is never looked up on Object.prototype. */
export function allowListMap(list: Record<string, readonly string[]>): ReadonlyMap<string, readonly string[]> {
  return new Map(Object.entries(list));
}

/** Allow-listed top-level argument fields for a tool; undefined when none apply. */
export function allowListedArgs(
  allowList: ReadonlyMap<string, readonly string[]>,
  tool: string | undefined,
  args: unknown,
): Record<string, unknown> | undefined {
  const fields = tool === undefined ? undefined : allowList.get(tool);
  if (!fields?.length || typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (Object.hasOwn(args, f)) {
      Object.defineProperty(out, f, {
        value: (args as Record<string, unknown>)[f],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** Digest, size and allow-listed fields of tool arguments. */
export function argFacts(allowList: ReadonlyMap<string, readonly string[]>, tool: string | undefined, args: unknown) {
  if (args === undefined) return {};
  let digest: { digest: string; bytes: number } | undefined;
  try {
    digest = digestOf(args);
  } catch {
    digest = undefined; // no JSON form (cannot happen for parsed JSON-RPC)
  }
  return { argsDigest: digest?.digest, argsBytes: digest?.bytes, args: allowListedArgs(allowList, tool, args) };
}

/** Which interruption a signal (or an error) stands for, if any. */
export function interruptionOf(signal: AbortSignal | undefined, err?: unknown): Interruption | undefined {
  if (signal?.aborted) return (signal.reason as Error | undefined)?.name === 'TimeoutError' ? 'timeout' : 'aborted';
  if ((err as Error | undefined)?.name === 'TimeoutError') return 'timeout';
  return undefined;
}

/** A server-side error (a handler that threw, a broken stream): name and message, redacted, at most 500 chars. */
export function errorText(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return redactString(text).slice(0, 500);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * What a record says about an error a tool threw: its class name only. A tool's message often repeats
 * its arguments (fail_demo's is one), and arguments are caller input that records never hold.
 */
export function errorClass(err: unknown): string {
  if (err instanceof Error) return IDENTIFIER.test(err.name) ? err.name : 'Error';
  return err === null ? 'null' : typeof err;
}
