// An InvocationContext for tests and tools that run a web handler outside Lambda.
import type { InvocationContext } from '../../lib/web-handler.ts';

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
