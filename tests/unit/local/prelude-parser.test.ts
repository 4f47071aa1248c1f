// The Function URL side of the streaming prelude (local/runtime.ts createPreludeParser): however the bytes are
// split into writes, the parser sees the same prelude and passes the same body bytes on, in order; its fast
// path for the runtime's own framing (the JSON in one write, the 8 NULs in the next) answers exactly what the
// general path does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPreludeParser, type ParsedPrelude, RuntimeResponseStream } from '../../../local/runtime.ts';

const DELIM = Buffer.alloc(8);

function run(pieces: Buffer[]) {
  const preludes: ParsedPrelude[] = [];
  const body: Buffer[] = [];
  const feed = createPreludeParser(
    (p) => preludes.push(p),
    (c) => {
      // The prelude comes before any body byte.
      expect(preludes).toHaveLength(1);
      body.push(c);
    },
  );
  for (const p of pieces) feed(p);
  return { preludes, body: Buffer.concat(body) };
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated, clamped). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

const prelude = fc.record({
  statusCode: fc.integer({ min: 100, max: 599 }),
  headers: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), fc.string({ maxLength: 20 })),
  cookies: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
});
// Bodies that start with NULs, hold NULs, or look like a second delimiter: all of it is body.
const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array(16)),
  fc.uint8Array({ maxLength: 8 }).map((b) => Uint8Array.from([0, 0, 0, ...b, 0, 0, 0, 0, 0, 0, 0, 0])),
);

describe('createPreludeParser', () => {
  it('parses the same prelude and body for every split of the bytes, and for the runtime framing', () => {
    fc.assert(
      fc.property(prelude, body, fc.array(fc.nat(), { maxLength: 6 }), (p, b, at) => {
        const json = Buffer.from(JSON.stringify(p));
        const all = Buffer.concat([json, DELIM, b]);
        const expected = { preludes: [p], body: Buffer.from(b) };
        expect(run(cut(all, at))).toEqual(expected);
        // The runtime client's writes: JSON, delimiter, then the function's chunks.
        expect(run([json, DELIM, ...cut(Buffer.from(b), at)])).toEqual(expected);
        // Nothing but the JSON so far: no prelude yet.
        expect(run([json]).preludes).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a delimiter that follows JSON ending in a NUL only where the bytes put it', () => {
    // Not runtime framing (JSON never ends in NUL), but the general path must still place the delimiter right.
    const json = Buffer.from('{"statusCode":201}');
    const r = run([json, Buffer.from([0]), DELIM]);
    // Bytes: JSON, NUL, 8 NULs: the delimiter starts right after the JSON; one NUL is body.
    expect(r.preludes).toEqual([{ statusCode: 201, headers: {}, cookies: [] }]);
    expect(r.body).toEqual(Buffer.from([0]));
  });

  it('through the runtime stream that HttpResponseStream.from frames', async () => {
    const preludes: ParsedPrelude[] = [];
    const chunks: string[] = [];
    const stream = new RuntimeResponseStream(
      createPreludeParser(
        (p) => preludes.push(p),
        (c) => chunks.push(c.toString()),
      ),
    );
    const g = globalThis as unknown as {
      awslambda: { HttpResponseStream: { from(s: unknown, p: unknown): RuntimeResponseStream } };
    };
    const { installAwsLambdaGlobal } = await import('../../../local/runtime.ts');
    installAwsLambdaGlobal();
    const out = g.awslambda.HttpResponseStream.from(stream, { statusCode: 207, headers: { a: 'b' }, cookies: ['c=d'] });
    out.write('one');
    out.end('two');
    await new Promise((r) => stream.once('finish', r));
    expect(preludes).toEqual([{ statusCode: 207, headers: { a: 'b' }, cookies: ['c=d'] }]);
    expect(chunks).toEqual(['one', 'two']);
  });
});
