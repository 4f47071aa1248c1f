// The runtime-neutral per-invocation context that lib/http hands to every web handler.
// It carries no Lambda types, so lib/auth, lib/audit and lib/mcp can be tested with plain Requests.

export interface InvocationContext {
  /** The Lambda request id (locally: a generated UUID). */
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
   * Keeps the invocation alive until `work` settles, after the response has been sent (e.g. a 202 whose
   * message is processed afterwards). Lambda freezes an instance once the handler returns, so work that
   * outlives the response must be registered here. A function is called once the response has been
   * written completely (e.g. flushing audit records written at the end of the body).
   */
  waitUntil(work: Promise<unknown> | (() => Promise<unknown>)): void;
}

export type WebHandler = (request: Request, ctx: InvocationContext) => Promise<Response>;

/** A context for tests and tools that run a web handler outside Lambda. */
export function testContext(overrides: Partial<InvocationContext> = {}): InvocationContext {
  return {
    requestId: crypto.randomUUID(),
    functionName: 'test',
    functionVersion: '$LATEST',
    sourceIp: '127.0.0.1',
    userAgent: undefined,
    signal: new AbortController().signal,
    deadline: Date.now() + 900_000,
    waitUntil: () => {},
    ...overrides,
  };
}
