// Hostile events (issue #17): building the Request must never throw. A Host or X-Forwarded-Proto that
// forms no URL origin, or a header value no Headers object holds, gives a Request with a placeholder
// origin (or without that header) and a defect that names it, for the gate to answer 400.
import { describe, expect, it } from 'vitest';
import { albProcessor, defectOf, PLACEHOLDER_ORIGIN, v1Processor, v2Processor } from '../../../lib/http/index.ts';
import { albEvent, functionUrlEvent, restEvent } from '../../support/lambda.ts';

const HOSTILE_HOSTS = ['a b', '[::1', '%', 'a@127.0.0.1', '127.0.0.1:5000,evil.example', 'localhost:5000@evil.example'];
type Make = (h: { host?: string; proto?: string }) => Request;
/** Each front's event with the Host / X-Forwarded-Proto in that front's own header case. */
const BUILD: Array<{ name: string; make: Make }> = [
  {
    name: 'payload 2.0',
    make: ({ host, proto }) =>
      v2Processor.toRequest(
        functionUrlEvent({ headers: { ...(host && { host }), ...(proto && { 'x-forwarded-proto': proto }) } }),
      ),
  },
  {
    name: 'payload 1.0',
    make: ({ host, proto }) =>
      v1Processor.toRequest(
        restEvent({ headers: { ...(host && { Host: host }), ...(proto && { 'X-Forwarded-Proto': proto }) } }),
      ),
  },
  {
    name: 'ALB',
    make: ({ host, proto }) =>
      albProcessor.toRequest(
        albEvent({ headers: { ...(host && { host }), ...(proto && { 'x-forwarded-proto': proto }) } }),
      ),
  },
];

describe.each(BUILD)('$name: a Request for every event', ({ make }) => {
  it.each(HOSTILE_HOSTS)('Host %j: placeholder origin, the Host kept in the headers, defect "Host header"', (host) => {
    const req = make({ host });
    expect(new URL(req.url).origin).toBe(PLACEHOLDER_ORIGIN);
    expect(new URL(req.url).pathname).toBe('/mcp');
    expect(req.headers.get('host')).toBe(host);
    expect(defectOf(req)).toBe('Host header');
  });

  it('X-Forwarded-Proto "a b" (also "ftp"): placeholder origin, defect "X-Forwarded-Proto header"', () => {
    for (const proto of ['a b', 'ftp', 'javascript']) {
      const req = make({ proto });
      expect(new URL(req.url).origin).toBe(PLACEHOLDER_ORIGIN);
      expect(defectOf(req)).toBe('X-Forwarded-Proto header');
    }
  });

  it('a host the pattern lets through but the URL parser refuses (port > 65535, bad IPv6)', () => {
    for (const host of ['127.0.0.1:99999', '[1:2]', 'a:b']) {
      const req = make({ host });
      expect(new URL(req.url).origin).toBe(PLACEHOLDER_ORIGIN);
      expect(defectOf(req)).toBe('Host header');
    }
  });

  it('well-formed values give the real origin and no defect', () => {
    for (const [host, origin] of [
      ['127.0.0.1:3000', 'https://127.0.0.1:3000'],
      ['[::1]:3000', 'https://[::1]:3000'],
      ['MCP.Example.com', 'https://mcp.example.com'],
    ] as const) {
      const req = make({ host, proto: 'https, http' });
      expect(new URL(req.url).origin).toBe(origin);
      expect(defectOf(req)).toBeUndefined();
    }
  });
});

describe('header values no Headers object can hold', () => {
  it('a value beyond Latin-1 travels as its UTF-8 bytes (what a Node server would show), no defect', () => {
    const req = v2Processor.toRequest(functionUrlEvent({ headers: { 'x-name': 'Zoë €' } }));
    expect(Buffer.from(req.headers.get('x-name')!, 'latin1').toString('utf8')).toBe('Zoë €');
    expect(defectOf(req)).toBeUndefined();
  });

  it('the same with an upper-case header name, on every front (hand-made events; never a throw)', () => {
    const events = [
      () => v2Processor.toRequest(functionUrlEvent({ headers: { 'X-Name': 'Zoë €' } })),
      () => v2Processor.toRequest(functionUrlEvent({ headers: { 'X-Name': 'Zoë €' }, cookies: ['n=€'] })),
      () => v1Processor.toRequest(restEvent({ headers: { 'X-Name': 'Zoë €' } })),
      () => albProcessor.toRequest(albEvent({ headers: { 'X-Name': 'Zoë €' } })),
    ];
    for (const make of events) {
      const req = make();
      expect(Buffer.from(req.headers.get('x-name')!, 'latin1').toString('utf8')).toBe('Zoë €');
      expect(defectOf(req)).toBeUndefined();
    }
    const withCookie = events[1]!();
    expect(Buffer.from(withCookie.headers.get('cookie')!, 'latin1').toString('utf8')).toBe('n=€');
  });

  it('an upper-case name with a line break in its value, or a bad name, is left out and named (payload 2.0)', () => {
    const evil = v2Processor.toRequest(
      functionUrlEvent({ headers: { 'X-Evil': 'a\r\nset-cookie: x', Accept: '*/*' } }),
    );
    expect(evil.headers.get('x-evil')).toBeNull();
    expect(evil.headers.get('accept')).toBe('*/*');
    expect(defectOf(evil)).toBe('x-evil header');
    const badName = v2Processor.toRequest(functionUrlEvent({ headers: { 'Bad Name': 'x' } }));
    expect(badName.headers.get('host')).toBe('127.0.0.1:3000');
    expect(defectOf(badName)).toBe('bad name header');
  });

  it('a value with a line break or NUL is left out and named', () => {
    const req = v2Processor.toRequest(functionUrlEvent({ headers: { 'x-evil': 'a\r\nset-cookie: x', accept: '*/*' } }));
    expect(req.headers.get('x-evil')).toBeNull();
    expect(req.headers.get('accept')).toBe('*/*');
    expect(defectOf(req)).toBe('x-evil header');
  });

  it('a header name with a space is left out and named (payload 1.0 keeps client case)', () => {
    const req = v1Processor.toRequest(restEvent({ headers: { 'bad name': 'x' } }));
    expect(req.headers.get('host')).toBe('api.example.com');
    expect(defectOf(req)).toBe('bad name header');
  });

  it('two Host headers (joined by the front) are malformed', () => {
    const req = v1Processor.toRequest(restEvent({ headers: { host: 'evil.example' } }));
    expect(req.headers.get('host')).toBe('api.example.com, evil.example');
    expect(defectOf(req)).toBe('Host header');
  });

  it('a path without a leading slash still gives a Request on the intended origin', () => {
    const req = v1Processor.toRequest({ ...restEvent(), path: 'mcp' });
    expect(req.url).toBe('https://api.example.com/mcp');
  });
});
