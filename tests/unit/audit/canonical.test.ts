import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf, sha256Hex } from '../../../lib/audit/canonical.ts';

describe('canonicalJson / digestOf', () => {
  it('gives the same digest for the same arguments in a different key order, at every depth', () => {
    const a = { text: 'hi', opts: { b: 2, a: [1, { y: true, x: null }] }, n: 1.5 };
    const b = { n: 1.5, opts: { a: [1, { x: null, y: true }], b: 2 }, text: 'hi' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(digestOf(a)).toEqual(digestOf(b));
    expect(canonicalJson(a)).toBe('{"n":1.5,"opts":{"a":[1,{"x":null,"y":true}],"b":2},"text":"hi"}');
  });

  it('distinguishes different values, array order and types', () => {
    expect(digestOf({ a: 1 }).digest).not.toBe(digestOf({ a: '1' }).digest);
    expect(digestOf([1, 2]).digest).not.toBe(digestOf([2, 1]).digest);
    expect(digestOf({ a: 1 }).digest).not.toBe(digestOf({ a: 1, b: null }).digest);
  });

  it('sorts keys by UTF-16 code units and uses ES number form (RFC 8785)', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '1': 3, '\u{1F600}': 4, '\u0080': 5 })).toBe(
      '{"\\r":2,"1":3,"\u0080":5,"\u20ac":1,"\u{1F600}":4}',
    );
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 100])).toBe('[1e+21,1e-7,0,0.30000000000000004,100]');
  });

  it('drops undefined members like JSON.stringify and refuses values without a JSON form', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
  });

  it('reports the UTF-8 byte length and a SHA-256 hex digest', () => {
    const d = digestOf({ text: 'é' });
    expect(d.bytes).toBe(Buffer.byteLength('{"text":"é"}'));
    expect(d.digest).toBe(sha256Hex('{"text":"é"}'));
    expect(d.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
