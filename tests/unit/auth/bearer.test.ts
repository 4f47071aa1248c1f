import { describe, expect, it } from 'vitest';
import { extractBearer, hasQueryToken, parseAuthorization } from '../../../lib/auth/bearer.ts';

const MAX = 256;
const URL_ = 'https://mcp.example.com/mcp';

describe('parseAuthorization (hostile first)', () => {
  it('oversized header is refused before parsing, even with garbage', () => {
    const r = parseAuthorization(`Bearer ${'a'.repeat(MAX + 1)}`, MAX);
    expect(r).toMatchObject({ kind: 'error', error: { code: 'invalid_token', status: 401 } });
    expect(parseAuthorization(`${'\u0000'.repeat(MAX * 2)}`, MAX)).toMatchObject({ kind: 'error' });
  });

  it('tokens with characters outside b64token are invalid_token, and the token is not in the message', () => {
    for (const token of ['a b', 'abc"def', 'abc,Bearer x', 'abc;x', '=abc', 'ab\tc', 'Ω']) {
      const r = parseAuthorization(`Bearer ${token}`, MAX);
      expect(r.kind).toBe('error');
      if (r.kind === 'error') {
        expect(r.error.code).toBe('invalid_token');
        expect(r.error.message).not.toContain(token);
      }
    }
  });

  it('Bearer without a token or an empty header is invalid_request (401)', () => {
    for (const h of ['Bearer', 'bearer   ', '', '   ']) {
      expect(parseAuthorization(h, MAX)).toMatchObject({
        kind: 'error',
        error: { code: 'invalid_request', status: 401 },
      });
    }
  });

  it('other schemes are "no bearer token" (no error code, RFC 6750 3.1)', () => {
    expect(parseAuthorization('Basic ZGV2OmRldg==', MAX)).toEqual({ kind: 'none', reason: 'unsupported_scheme' });
    expect(parseAuthorization('Bearerx abc', MAX)).toEqual({ kind: 'none', reason: 'unsupported_scheme' });
    expect(parseAuthorization(null, MAX)).toEqual({ kind: 'none', reason: 'no_authorization' });
  });

  it('accepts b64token syntax with a case-insensitive scheme', () => {
    expect(parseAuthorization('Bearer abc.def-_~+/.ghi==', MAX)).toEqual({
      kind: 'token',
      token: 'abc.def-_~+/.ghi==',
    });
    expect(parseAuthorization('bearer  abc ', MAX)).toEqual({ kind: 'token', token: 'abc' });
    expect(parseAuthorization('BEARER abc', MAX)).toEqual({ kind: 'token', token: 'abc' });
  });
});

describe('extractBearer', () => {
  it('refuses access_token in the query string with 400, even next to a valid header', async () => {
    const r = await extractBearer(
      new Request(`${URL_}?access_token=s3cret`, { headers: { authorization: 'Bearer abc' } }),
      { maxTokenBytes: MAX },
    );
    expect(r).toMatchObject({ kind: 'error', error: { code: 'invalid_request', status: 400 } });
    if (r.kind === 'error') expect(r.error.message).not.toContain('s3cret');
    expect(hasQueryToken(`${URL_}?a=1&access_token=`)).toBe(true);
    expect(hasQueryToken(`${URL_}?access_tokenx=1`)).toBe(false);
  });

  it('refuses access_token in a form body with 400 and leaves the body readable', async () => {
    const req = new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded' },
      body: 'access_token=s3cret',
    });
    expect(await extractBearer(req, { maxTokenBytes: MAX })).toMatchObject({
      kind: 'error',
      error: { code: 'invalid_request', status: 400 },
    });
    expect(await req.text()).toBe('access_token=s3cret');
  });

  it('does not read JSON bodies and leaves them untouched', async () => {
    const body = JSON.stringify({ access_token: 'x', jsonrpc: '2.0' });
    const req = new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc' },
      body,
    });
    expect(await extractBearer(req, { maxTokenBytes: MAX })).toEqual({ kind: 'token', token: 'abc' });
    expect(await req.text()).toBe(body);
  });

  it('a huge form body is scanned only partially and stays intact', async () => {
    const body = `a=${'x'.repeat(200_000)}&access_token=late`;
    const req = new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer abc' },
      body,
    });
    expect(await extractBearer(req, { maxTokenBytes: MAX })).toEqual({ kind: 'token', token: 'abc' });
    expect((await req.text()).length).toBe(body.length);
  });
});
