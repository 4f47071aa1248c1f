// Deciding from arrival times whether a tool call's notifications were streamed or held back and released
// together by something in front of the server (a buffering proxy, a CDN, API Gateway without streaming).
//
//   classifyArrivals(arrivals, expectedSpreadMs): StreamVerdict     pure

export interface StreamVerdict {
  verdict: 'streamed' | 'buffered' | 'too-few';
  /** Milliseconds between the first and the last chunk. */
  spreadMs: number;
  expectedSpreadMs: number;
}

/**
 * Chunks emitted `interval` apart should arrive spread over about (n-1)·interval. Streamed when the spread
 * is at least half of that (network jitter and timer slack never halve it); buffered otherwise.
 */
export function classifyArrivals(arrivals: readonly number[], expectedSpreadMs: number): StreamVerdict {
  if (arrivals.length < 2) return { verdict: 'too-few', spreadMs: 0, expectedSpreadMs };
  const spreadMs = Math.round(Math.max(...arrivals) - Math.min(...arrivals));
  return { verdict: spreadMs >= expectedSpreadMs / 2 ? 'streamed' : 'buffered', spreadMs, expectedSpreadMs };
}
