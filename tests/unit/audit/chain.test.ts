import { describe, expect, it } from 'vitest';
import { createChain, GENESIS, hashRecord, verifyChain } from '../../../lib/audit/chain.ts';

function log(n: number, stream = 's1') {
  const chain = createChain(stream);
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify(chain.link({ message: 'audit', schema: 1, kind: 'request', outcome: 'ok', i })),
  );
}

describe('hash chain', () => {
  it('links records: seq from 0, prev = previous hash, genesis first, hash over prev + canonical record', () => {
    const chain = createChain('s');
    const a = chain.link({ message: 'audit', schema: 1, x: 1 });
    const b = chain.link({ message: 'audit', schema: 1, x: 2 });
    expect([a.seq, b.seq]).toEqual([0, 1]);
    expect(a.prev).toBe(GENESIS);
    expect(b.prev).toBe(a.hash);
    expect(hashRecord(b)).toBe(b.hash);
    expect(hashRecord({ ...b, x: 3 })).not.toBe(b.hash);
  });

  it('verifies an intact log and ignores other log lines', () => {
    const lines = log(5);
    const mixed = ['starting', ...lines.slice(0, 2), '{"level":"INFO","message":"hello"}', '', ...lines.slice(2)];
    expect(verifyChain(mixed)).toEqual({ ok: true, records: 5, streams: 1 });
    expect(verifyChain(mixed.join('\n'))).toMatchObject({ ok: true, records: 5 });
  });

  it('names an edited line', () => {
    const lines = log(5);
    lines[2] = lines[2]!.replace('"outcome":"ok"', '"outcome":"denied"');
    expect(verifyChain(lines)).toMatchObject({ ok: false, line: 3, reason: 'edited', seq: 2, stream: 's1' });
  });

  it('names an edited line whose hash was recomputed (the next link no longer matches)', () => {
    const lines = log(5);
    const forged = { ...JSON.parse(lines[1]!), outcome: 'denied' };
    forged.hash = hashRecord(forged);
    lines[1] = JSON.stringify(forged);
    const r = verifyChain(lines);
    expect(r).toMatchObject({ ok: false, line: 3, reason: 'edited' });
    expect(!r.ok && r.detail).toMatch(/line 2/);
  });

  it('names a removed line by where it was', () => {
    const lines = log(5);
    lines.splice(2, 1);
    const r = verifyChain(lines);
    expect(r).toMatchObject({ ok: false, line: 3, reason: 'removed', seq: 3 });
    expect(!r.ok && r.detail).toMatch(/seq 2 removed after line 2/);
  });

  it('detects removal of the first record and of several records', () => {
    expect(verifyChain(log(3).slice(1))).toMatchObject({ ok: false, line: 1, reason: 'removed' });
    const lines = log(6);
    lines.splice(1, 3);
    expect(verifyChain(lines)).toMatchObject({
      ok: false,
      reason: 'removed',
      detail: expect.stringMatching(/seq 1\.\.3/),
    });
  });

  it('accepts an excerpt with --partial but still checks links inside it', () => {
    expect(verifyChain(log(4).slice(2), { partial: true })).toMatchObject({ ok: true, records: 2 });
    const lines = log(6).slice(2);
    lines.splice(1, 1);
    expect(verifyChain(lines, { partial: true })).toMatchObject({ ok: false, reason: 'removed' });
  });

  it('names reordered and duplicated lines', () => {
    const lines = log(5);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    expect(verifyChain(lines)).toMatchObject({ ok: false, line: 2, reason: 'reordered', seq: 2 });
    const dup = log(3);
    dup.push(dup[1]!);
    expect(verifyChain(dup)).toMatchObject({ ok: false, line: 4, reason: 'duplicated' });
  });

  it('keeps streams independent when interleaved (several instances in one export)', () => {
    const a = log(3, 'a');
    const b = log(3, 'b');
    const interleaved = [a[0]!, b[0]!, b[1]!, a[1]!, a[2]!, b[2]!];
    expect(verifyChain(interleaved)).toEqual({ ok: true, records: 6, streams: 2 });
    interleaved.splice(3, 1);
    expect(verifyChain(interleaved)).toMatchObject({ ok: false, reason: 'removed', stream: 'a' });
  });

  it('flags a truncated record and a record stripped of its chain fields', () => {
    const lines = log(2);
    lines[1] = lines[1]!.slice(0, 40);
    expect(verifyChain(lines)).toMatchObject({ ok: false, line: 2, reason: 'malformed' });
    const stripped = log(2);
    const { hash: _h, ...rest } = JSON.parse(stripped[1]!);
    stripped[1] = JSON.stringify(rest);
    expect(verifyChain(stripped)).toMatchObject({ ok: false, line: 2, reason: 'malformed' });
  });
});

describe('seal (no JSON round trip, issue #18)', () => {
  it('gives the same record, line and hash as link for any JSON tree', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (body) => {
        const a = createChain('s').link({ message: 'audit', schema: 1, body });
        const sealed = createChain('s').seal(JSON.parse(JSON.stringify({ message: 'audit', schema: 1, body })));
        const b = sealed.record;
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        expect(sealed.line).toBe(JSON.stringify(a));
        expect(hashRecord(JSON.parse(JSON.stringify(b)))).toBe(b.hash);
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to the round trip for a value with no JSON form, without skipping a seq', () => {
    const chain = createChain('s');
    const odd = chain.seal({ message: 'audit', schema: 1, n: Number.NaN, nested: { m: -0, u: undefined } }).record;
    const next = chain.seal({ message: 'audit', schema: 1, n: 1 }).record;
    expect(JSON.stringify(odd)).toContain('"n":null');
    expect([odd.seq, next.seq]).toEqual([0, 1]);
    expect(verifyChain([JSON.stringify(odd), JSON.stringify(next)])).toMatchObject({ ok: true, records: 2 });
  });
});
