// pathOf keeps its last answer (issue #18): it must answer exactly what new URL().pathname answers, in any
// sequence of URLs, and an invalid URL must throw without poisoning the next answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathOf } from '../../../lib/audit/facts.ts';

describe('pathOf', () => {
  it('is new URL(url).pathname for any sequence of URLs, repeats included', () => {
    const segment = fc.oneof(fc.constantFrom('mcp', 'messages', '..', '.', '%2e', 'a b', '%7E', 'ü', ''), fc.string());
    const url = fc
      .tuple(fc.constantFrom('http://127.0.0.1:3000', 'https://x.lambda-url.us-east-1.on.aws'), fc.array(segment))
      .chain(([origin, parts]) =>
        fc.constantFrom(`${origin}/${parts.join('/')}`, `${origin}/${parts.join('/')}?sessionId=1#f`),
      );
    fc.assert(
      fc.property(fc.array(url, { minLength: 1, maxLength: 6 }), (urls) => {
        for (const u of [...urls, ...urls.reverse(), urls[0]!]) {
          let expected: string | Error;
          try {
            expected = new URL(u).pathname;
          } catch (err) {
            expected = err as Error;
          }
          if (expected instanceof Error) expect(() => pathOf(u)).toThrow();
          else expect(pathOf(u)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an invalid URL throws and the next call still answers its own URL', () => {
    expect(pathOf('http://127.0.0.1:3000/mcp?x=1')).toBe('/mcp');
    expect(() => pathOf('http://a b/other')).toThrow();
    expect(pathOf('http://127.0.0.1:3000/mcp?x=1')).toBe('/mcp');
    expect(pathOf('http://127.0.0.1:3000/messages/?sessionId=2')).toBe('/messages/');
  });
});
