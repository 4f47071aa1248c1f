// The memo key of a tool's JSON Schema conversion (lib/mcp/input-schema.ts): a short key for the SDK's usual
// `{ target }` options, the options' JSON otherwise. Two conversions may share a result only when their options
// serialise the same, so: equal keys imply equal JSON (never a wrong share), and for JSON options the converse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionsKey } from '../../../lib/mcp/input-schema.ts';

const options = fc.oneof(
  fc.record({ target: fc.constantFrom('draft-2020-12', 'draft-07', 'openapi-3.0', '{"target":1}', '') }),
  fc.record(
    { target: fc.constantFrom('draft-2020-12', 'draft-07'), libraryOptions: fc.jsonValue({ maxDepth: 1 }) },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.constantFrom('target', 'x', 'io'), fc.jsonValue({ maxDepth: 1 })),
);
const io = fc.constantFrom('input' as const, 'output' as const);

describe('optionsKey', () => {
  it('gives equal keys exactly to conversions whose direction and options JSON are equal', () => {
    fc.assert(
      fc.property(io, options, io, options, (ioA, a, ioB, b) => {
        const sameKey = optionsKey(ioA, a) === optionsKey(ioB, b);
        const sameJson = ioA === ioB && JSON.stringify(a) === JSON.stringify(b);
        expect(sameKey).toBe(sameJson);
      }),
      { numRuns: 2000 },
    );
  });

  it('never shares a key between options that serialise differently (inherited or undefined keys)', () => {
    const inherited = Object.create({ target: 'draft-2020-12' }) as object;
    expect(optionsKey('input', inherited)).not.toBe(optionsKey('input', { target: 'draft-2020-12' }));
    expect(optionsKey('input', { target: 'a', x: undefined })).not.toBe(optionsKey('input', { target: 'b' }));
    expect(optionsKey('input', undefined)).toBe('input undefined');
  });
});
