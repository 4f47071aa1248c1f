import { describe, expect, it } from 'vitest';
import { isSensitiveKey, REDACTED, redactString, redactValue } from '../../../lib/audit/redact.ts';
import { findJwtShaped } from '../../../lib/audit/scan.ts';

const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A JWT-shaped string built at runtime; assertions use booleans so a failure never prints it. */
const jwt = `${b64u({ alg: 'RS256', typ: 'at+jwt' })}.${b64u({ sub: 'dev', scope: 'mcp:tools' })}.c2lnbmF0dXJlLWJ5dGVz`;
const jwe = `${b64u({ alg: 'dir', enc: 'A256GCM' })}..aXYtaXYtaXY.Y2lwaGVy.dGFn`;

describe('redaction', () => {
  it('redacts JWT-shaped strings and bearer/basic credentials inside free text', () => {
    const text = `upstream said: invalid token ${jwt} (Authorization: Bearer abc.def-ghi~) basic: Basic dXNlcjpwYXNz==`;
    const out = redactString(text);
    expect(out.includes(jwt)).toBe(false);
    expect(out.includes('abc.def-ghi~')).toBe(false);
    expect(out.includes('dXNlcjpwYXNz')).toBe(false);
    expect(out).toContain(`${REDACTED}:jwt`);
    expect(out).toContain(`Bearer ${REDACTED}`);
    expect(out).toContain('upstream said: invalid token');
    expect(redactString(`x ${jwe} y`).includes('Y2lwaGVy')).toBe(false);
    expect(redactString('bearer\tlowercase-token').includes('lowercase-token')).toBe(false);
  });

  it('leaves ordinary text alone', () => {
    for (const s of ['tools/call', 'ok', 'a.b.c', 'eyJ', 'https://example.com/a.b?c=d', 'The bearer of bad news.']) {
      expect(redactString(s)).toBe(s);
    }
  });

  it('redacts sensitive keys in any case or separator style', () => {
    for (const k of [
      'Authorization',
      'authorization',
      'Cookie',
      'Set-Cookie',
      'set_cookie',
      'setCookie',
      'X-Api-Key',
    ]) {
      expect(isSensitiveKey(k)).toBe(true);
    }
    for (const k of ['sub', 'scopes', 'tool', 'argsDigest', 'userAgent']) expect(isSensitiveKey(k)).toBe(false);
  });

  it('walks nested records, arrays, Headers and Errors (with causes) without touching the input', () => {
    const cause = new Error(`jwks said no for ${jwt}`);
    const input = {
      headers: { Authorization: `Bearer ${jwt}`, cookie: 'sid=1', 'set-cookie': ['a=1', 'b=2'], accept: '*/*' },
      h: new Headers({ authorization: 'Bearer zzz', 'user-agent': 'ua' }),
      deep: [{ error: { message: `failed: Bearer ${jwt}`, nested: [{ hint: jwt }] } }],
      err: new Error('verify failed', { cause }),
      [`key-${jwt}`]: 1,
      n: 5,
      ok: true,
      nil: null,
    };
    const out = redactValue(input) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text.includes(jwt)).toBe(false);
    expect(text.includes('zzz')).toBe(false);
    expect(text.includes('sid=1')).toBe(false);
    expect(findJwtShaped(text)).toEqual([]);
    expect(out.headers).toEqual({ Authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, accept: '*/*' });
    expect(out.h).toEqual({ authorization: REDACTED, 'user-agent': 'ua' });
    expect(out.err).toEqual({
      name: 'Error',
      message: 'verify failed',
      cause: { name: 'Error', message: `jwks said no for ${REDACTED}:jwt` },
    });
    expect(out.n).toBe(5);
    expect(out.ok).toBe(true);
    expect(out.nil).toBeNull();
    expect(input.headers.Authorization.includes(jwt)).toBe(true);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactValue(a)).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('marks only a revisit on the current path as a cycle: a shared object is copied wherever it appears', () => {
    const shared = { token: `Bearer ${jwt}` };
    const b: Record<string, unknown> = { shared };
    const a: Record<string, unknown> = { b, again: shared, list: [shared, shared] };
    b.up = a;
    expect(redactValue(a)).toEqual({
      b: { shared: { token: 'Bearer [REDACTED]' }, up: '[Circular]' },
      again: { token: 'Bearer [REDACTED]' },
      list: [{ token: 'Bearer [REDACTED]' }, { token: 'Bearer [REDACTED]' }],
    });
    expect(redactValue(`x ${jwt}`)).toBe('x [REDACTED]:jwt');
    expect(redactValue(7)).toBe(7);
  });
});

describe('findJwtShaped', () => {
  it('finds tokens with line and column and never echoes them', () => {
    const found = findJwtShaped(`line one\nprefix ${jwt} suffix\n"${jwe}"`);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [2, 8],
      [3, 2],
    ]);
    for (const f of found) {
      expect(f.preview.includes(jwt.split('.')[1]!)).toBe(false);
      expect(findJwtShaped(f.preview)).toEqual([]);
    }
  });

  it('does not flag ordinary test output', () => {
    const output = [
      ' ✓ tests/unit/audit/chain.test.ts (10 tests) 12ms',
      '{"level":"INFO","message":"audit","hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}',
      'eyJ is how JSON starts in base64; eyJhbGciOi.. is not a token',
      'WWW-Authenticate: Bearer resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"',
    ].join('\n');
    expect(findJwtShaped(output)).toEqual([]);
  });
});

describe('redactString fast path (issue #18)', () => {
  // The replacements as they were before the fast path: both patterns on every string.
  const slow = (t: string) =>
    t
      .replace(/\b(Bearer|Basic|DPoP)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1$2${REDACTED}`)
      .replace(/eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){2,4}/g, `${REDACTED}:jwt`);

  it('answers exactly what the two replacements answer, for any text', async () => {
    const fc = await import('fast-check');
    const pieces = fc.constantFrom('Bearer ', 'bEaReR\t', 'basic ', 'DPoP ', 'eyJ', 'abcdefgh', '.', '=', ' ', jwt);
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.oneof(pieces, fc.string()), { maxLength: 8 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (t) => redactString(t) === slow(t)),
      { numRuns: 2000 },
    );
  });

  it('redacts keys and drops undefined members, also for a repeated (memoised) key', () => {
    const a = redactValue({ Authorization: 'x', [`k ${jwt}`]: 1, gone: undefined });
    const b = redactValue({ Authorization: 'y', [`k ${jwt}`]: 2 });
    expect(a).toEqual({ Authorization: REDACTED, [`k ${REDACTED}:jwt`]: 1 });
    expect(Object.hasOwn(a as object, 'gone')).toBe(false);
    expect(b).toEqual({ Authorization: REDACTED, [`k ${REDACTED}:jwt`]: 2 });
  });
});
