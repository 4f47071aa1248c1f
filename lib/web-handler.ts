// The runtime-neutral contract between a front adapter (lib/http for Lambda; the tests) and the apps:
// a web-standard handler and the per-invocation context it gets. No Lambda types here, so lib/gate,
// lib/auth, lib/audit and lib/mcp can be driven with plain Requests.

/** What one invocation of a web handler knows beyond its Request. */
export interface InvocationContext {
  /** The platform's request id (locally: a generated UUID). */
  requestId: string;
  functionName: string;
  functionVersion: string;
  /** The client IP as the front door reports it (Function URL: requestContext.http.sourceIp). */
  sourceIp: string;
  userAgent: string | undefined;
  /** Aborts when the client goes away or the invocation is about to hit its timeout. */
  signal: AbortSignal;
  /** Epoch milliseconds at which the platform will cut the invocation. */
  deadline: number;
  /**
   * Set by the front adapter when the event could not be carried over to the Request faithfully: the
   * name of the header it had to leave out or replace (e.g. a Host that forms no URL). The gate answers
   * 400 naming it, behind the audit wrapper, so such a request still gets its one audit record.
   */
  malformed?: string;
  /**
   * The request body as the event carried it, as text, when the front adapter has it as such (a Function URL
   * event's non-base64 body): the Request's body holds exactly its UTF-8 bytes. Lets the JSON body reader
   * parse the string instead of reading the Request's body stream and decoding it again.
   */
  bodyText?: string;
  /**
   * Keeps the invocation alive until `work` settles, after the response has been sent (e.g. a 202 whose
   * message is processed afterwards). Lambda freezes an instance once the handler returns, so work that
   * outlives the response must be registered here. A function is called once the response has been
   * written completely (e.g. flushing audit records written at the end of the body).
   */
  waitUntil(work: Promise<unknown> | (() => Promise<unknown>)): void;
  /**
   * Present when the front adapter writes the response body out itself (lib/http's response stream):
   * `listener` is called once, when the body has been written completely, cut by the client or the
   * deadline, or failed, with what actually went out. Lets the audit count bytes without wrapping the
   * body in a second stream; without it, a consumer that needs the counts wraps the body itself.
   */
  onDelivered?(listener: (delivery: Delivery) => void): void;
}

/** What a front adapter actually delivered of a response body. */
export interface Delivery {
  bytes: number;
  chunks: number;
  /** The body failed after the response had started. */
  error?: unknown;
}

/**
 * The parts of a request that can be read without building a web Request (a Request satisfies it):
 * what the audit span reads, so a front adapter can open a span for an answer it gives without one.
 */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
}

/** A web app: Request in, Response out, for one invocation. */
export type WebHandler = (request: Request, ctx: InvocationContext) => Promise<Response>;

/**
 * A precomputed answer a front adapter writes as is, without a web Response: status, headers as a
 * Response presents them (lower-case names, sorted, repeats joined; see staticAnswer) and the body text.
 * It carries no Set-Cookie.
 */
export interface StaticAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * An app's early answer: a StaticAnswer for a request it can answer from its head alone, exactly as the
 * full path (Request in, Response out) would answer it, or undefined to take the full path. It may only
 * be asked for a request the front adapter carries over faithfully (ctx.malformed is then unset).
 */
export type EarlyAnswerer = (head: RequestHead, ctx: InvocationContext) => StaticAnswer | undefined;

/**
 * A web handler that may also answer some requests early (lib/http asks `early` before building a Request).
 * `bodyFromText`: the app reads a JSON body only as ctx.bodyText when that is set (readJsonBody with it), never
 * from the Request; lib/http may then leave the body stream out of the Request (see lib/http/lambda.ts).
 */
export type WebApp = WebHandler & { early?: EarlyAnswerer; bodyFromText?: boolean };

/** A StaticAnswer whose headers are normalised as a Response's would be (Headers: lower-case, sorted). */
export function staticAnswer(status: number, headers: Record<string, string>, body: string): StaticAnswer {
  const normal: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    normal[name] = value;
  });
  return Object.freeze({ status, headers: Object.freeze(normal), body });
}
