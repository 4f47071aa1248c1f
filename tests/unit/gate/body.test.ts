// readJsonBody (hostile first): bounded bytes, bounded nesting, a 400 for anything that does not parse;
// never a 500 and never a stack overflow.
import { describe, expect, it } from 'vitest';
import { type BodyResult, MAX_JSON_DEPTH, nestedDeeperThan, readJsonBody } from '../../../lib/gate/index.ts';

const post = (body: string, type = 'application/json') =>
  new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers: { 'content-type': type }, body });
const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;
const bytes = (s: string) => new TextEncoder().encode(s);

describe('nestedDeeperThan', () => {
  it('counts objects and arrays, exactly at the bound', () => {
    expect(nestedDeeperThan(bytes(nested(3)), 3)).toBe(false);
    expect(nestedDeeperThan(bytes(nested(4)), 3)).toBe(true);
    expect(nestedDeeperThan(bytes(nested(4, '[', ']')), 3)).toBe(true);
    expect(nestedDeeperThan(bytes('[{"a":[1]},{"b":[2]},[3]]'), 3)).toBe(false);
  });
  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestedDeeperThan(bytes(`{"a":"${'['.repeat(100)}"}`), 1)).toBe(false);
    expect(nestedDeeperThan(bytes(`{"a":"\\"${'{'.repeat(100)}\\\\"}`), 1)).toBe(false);
    expect(nestedDeeperThan(bytes(`["\\\\",${'['.repeat(5)}]`), 3)).toBe(true);
  });
  it('agrees with the parsed depth on the values JSON.stringify writes', () => {
    const depthOf = (v: unknown): number =>
      typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    const values = [{}, [], { a: [1, { b: 'x]}' }] }, [[[['"\\[']]]], { 'k{': { 'k[': { '"': [] } } }];
    for (const v of values) {
      const d = depthOf(v);
      expect(nestedDeeperThan(bytes(JSON.stringify(v)), d), JSON.stringify(v)).toBe(false);
      expect(nestedDeeperThan(bytes(JSON.stringify(v)), d - 1), JSON.stringify(v)).toBe(d > 0);
    }
  });
});

describe('readJsonBody', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} with a 400 that says why`, async () => {
    const ok = await readJsonBody(post(nested(MAX_JSON_DEPTH)), 1 << 20);
    expect(ok.ok).toBe(true);
    const deep = await readJsonBody(post(nested(MAX_JSON_DEPTH + 1)), 1 << 20);
    expect(deep.ok).toBe(false);
    if (deep.ok) return;
    expect(deep.response.status).toBe(400);
    expect(await deep.response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: `Bad Request: the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` },
    });
  });

  it('a 2025 initialize with capabilities nested 5,000 deep is a 400, not a RangeError', async () => {
    const body = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":${nested(5000)}}}`;
    const r = await readJsonBody(post(body), 1 << 20);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.response.status).toBe(400);
  });

  it('keeps its other answers: 413 over the limit, 415 not JSON, 400 parse error', async () => {
    const statusOf = async (req: Request, max = 1024) => {
      const r = await readJsonBody(req, max);
      return r.ok ? 200 : r.response.status;
    };
    expect(await statusOf(post(`"${'x'.repeat(2000)}"`))).toBe(413);
    expect(await statusOf(post('{}', 'text/plain'))).toBe(415);
    expect(await statusOf(post('{"a":'))).toBe(400);
    expect(await statusOf(post('\u00ff'))).toBe(400);
    expect(await statusOf(post('{"a":[1,2]}'))).toBe(200);
  });
});

describe('readJsonBody from the event text (issue #18)', () => {
  const postText = (body: string, type = 'application/json') =>
    new Request('http://x/mcp', { method: 'POST', headers: { 'content-type': type }, body });
  const verdict = async (r: Promise<BodyResult>) => {
    const v = await r;
    return v.ok
      ? { ok: true, body: v.body, bytes: v.bytes }
      : { ok: false, status: v.response.status, text: await v.response.text() };
  };

  it('answers exactly what reading the Request answers, for any text (BOM, lone surrogates, depth, size)', async () => {
    const fc = await import('fast-check');
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      '\\',
      '\uFEFF',
      '\uD800',
      '\uDC00',
      'é',
      '😀',
      '1',
      ',',
      ':',
      'a',
    );
    const text = fc.oneof(
      fc.array(piece, { maxLength: 24 }).map((a) => a.join('')),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => `\uFEFF${JSON.stringify(v)}`),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(4, 64), fc.constantFrom(2, 64), async (t, maxBytes, depth) => {
        const slow = await verdict(readJsonBody(postText(t), maxBytes, depth));
        const fast = await verdict(readJsonBody(postText(t), maxBytes, depth, t));
        expect(fast).toEqual(slow);
      }),
      { numRuns: 600 },
    );
  });

  it('still refuses a non-JSON media type and a declared oversize before looking at the text', async () => {
    expect((await verdict(readJsonBody(postText('{}', 'text/plain'), 64, 64, '{}'))).status).toBe(415);
    const big = new Request('http://x/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '999' },
      body: '{}',
    });
    expect((await verdict(readJsonBody(big, 64, 64, '{}'))).status).toBe(413);
  });
});
