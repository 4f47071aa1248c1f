// One way for a tool to ask the client for input, in every era: ctx.elicit / ctx.sample / ctx.listRoots.
//
// Design (re-run with recorded answers): a tool handler is written straight-line. Each ask has a key
// (given, or `<kind>_<n>` by call order). When the answer for that key is known (recorded in the sealed
// requestState of an earlier round, or in this round's inputResponses), the ask resolves with it;
// otherwise the ask is pending and rejects with InputPending, and the wrapper (lib/mcp/server.ts) ends
// the round with the SDK's `inputRequired({ inputRequests, requestState })`. The retry re-runs the
// handler from the top; the asks answered so far now resolve at once, so code before an ask may run
// more than once (keep side effects after the last ask, or make them idempotent). Asks started together
// (Promise.all) are all sent in one round.
//
// The SDK's seam does the rest: at 2026-07-28 the client fulfils the requests and retries (on any
// instance); on a 2025 session or legacy SSE its legacy shim sends them as real server-to-client
// requests on the request's stream and re-enters the handler with the answers. Answers are read with
// the SDK's `inputResponse` view; an answer of the wrong kind or shape counts as missing (asked again).

import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequestFormParams,
  ElicitResult,
  InputRequest,
  Root,
} from '@modelcontextprotocol/server';
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';

/** Thrown by an ask whose answer the client has not given yet; the round ends with input_required. */
export class InputPending extends Error {
  readonly code = 'input_pending';
  constructor(key: string) {
    super(`waiting for the client's answer to ${key}`);
    this.name = 'InputPending';
  }
}

export class InputKeyError extends Error {
  readonly code = 'invalid_input_key';
  constructor(message: string) {
    super(message);
    this.name = 'InputKeyError';
  }
}

/** Input keys a tool may choose: a letter, then up to 63 of A-Z a-z 0-9 _ . - (never `__proto__`). */
export const INPUT_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface AskOptions {
  /** The key of this ask in inputRequests/inputResponses; default `<kind>_<n>` by call order. */
  key?: string;
}

export interface Asks {
  elicit(params: ElicitRequestFormParams, opts?: AskOptions): Promise<ElicitResult>;
  sample(
    params: CreateMessageRequestParams,
    opts?: AskOptions,
  ): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  listRoots(opts?: AskOptions): Promise<Root[]>;
  /** The asks of this run still waiting for an answer, by key. */
  readonly pending: ReadonlyMap<string, InputRequest>;
  /** The answers this run used, by key: what the next round's state records. */
  used(): Record<string, unknown>;
}

/** Pure: a primitive (or list of strings) an elicitation form may return for one field. */
function isFieldValue(v: unknown): boolean {
  return (
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v)) ||
    (Array.isArray(v) && v.every((x) => typeof x === 'string'))
  );
}

/** The elicitation answer, when the view is one with a well-formed form content; else undefined. */
function elicitAnswer(v: ReturnType<typeof inputResponse>): ElicitResult | undefined {
  if (v.kind !== 'elicit') return undefined;
  if (v.content === undefined) return v.action === 'accept' ? { action: 'accept', content: {} } : { action: v.action };
  if (typeof v.content !== 'object' || v.content === null || Array.isArray(v.content)) return undefined;
  if (!Object.values(v.content).every(isFieldValue)) return undefined;
  return { action: v.action, content: v.content as ElicitResult['content'] };
}

/**
 * The asks of one handler run. `recorded`: answers from the opened requestState (they win); `current`:
 * this round's inputResponses (client input, untrusted; only keys the handler asks for are read).
 */
export function createAsks(recorded: Record<string, unknown>, current: Record<string, unknown> | undefined): Asks {
  const pending = new Map<string, InputRequest>();
  const used = new Map<string, unknown>();
  let n = 0;

  const answerOf = (key: string): unknown => {
    if (Object.hasOwn(recorded, key)) return recorded[key];
    return current && Object.hasOwn(current, key) ? current[key] : undefined;
  };

  function ask<T>(
    kind: string,
    request: () => InputRequest,
    read: (v: ReturnType<typeof inputResponse>) => T | undefined,
    opts?: AskOptions,
  ): Promise<T> {
    n += 1;
    const key = opts?.key ?? `${kind}_${n}`;
    if (!INPUT_KEY.test(key))
      return Promise.reject(new InputKeyError(`input key ${JSON.stringify(key)} is not allowed`));
    if (pending.has(key) || used.has(key)) return Promise.reject(new InputKeyError(`input key ${key} is used twice`));
    const raw = answerOf(key);
    const one: Record<string, unknown> = Object.create(null);
    if (raw !== undefined) one[key] = raw;
    const answer = read(inputResponse(one, key));
    if (answer !== undefined) {
      used.set(key, raw);
      return Promise.resolve(answer);
    }
    pending.set(key, request());
    const waiting = Promise.reject(new InputPending(key));
    // A tool that never awaits its ask must not crash the process with an unhandled rejection.
    waiting.catch(() => {});
    return waiting;
  }

  return {
    elicit: (params, opts) => ask('elicit', () => inputRequired.elicit(params), elicitAnswer, opts),
    sample: (params, opts) =>
      ask(
        'sample',
        () => inputRequired.createMessage(params),
        (v) => (v.kind === 'sampling' ? v.result : undefined),
        opts,
      ),
    listRoots: (opts) =>
      ask(
        'roots',
        () => inputRequired.listRoots(),
        (v) => (v.kind === 'roots' ? v.roots : undefined),
        opts,
      ),
    pending,
    used: () => Object.fromEntries(used),
  };
}
