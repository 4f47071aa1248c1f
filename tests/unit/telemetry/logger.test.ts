// The operational logger: Powertools JSON lines on the real stdout/stderr (captured here), LOG_LEVEL,
// invocation keys and cold start, sampling, and the audit's redaction on every line (#17: a JWT placed in
// a header, the Host, the JSON-RPC method or an error must never reach stderr verbatim).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findJwtShaped } from '../../../lib/audit/scan.ts';
import { createLogger, MAX_LOGGED_STRING, withInvocation } from '../../../lib/telemetry/index.ts';
import { type Captured, captureOutput } from './capture.ts';

const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** Built at runtime; assertions compare booleans so a failure never prints it. */
const jwt = `${b64u({ alg: 'RS256', typ: 'at+jwt' })}.${b64u({ sub: 'dev', scope: 'mcp:tools' })}.c2lnbmF0dXJlLWJ5dGVz`;
const bearerSecret = 'opaque-Secret-Token-1234';

let out: Captured;
beforeEach(() => {
  out = captureOutput();
});
afterEach(() => out.restore());

const all = () => [...out.stdout, ...out.stderr].join('\n');
const leaks = () => ({
  jwt: findJwtShaped(all()).length,
  jwtVerbatim: all().includes(jwt),
  bearer: all().includes(bearerSecret),
});
const clean = { jwt: 0, jwtVerbatim: false, bearer: false };

describe('operational logger', () => {
  it('writes one JSON line per call with Powertools keys; inside withInvocation the ids and cold start (first only)', () => {
    const log = createLogger({ logLevel: 'info', serviceName: 'mcp-test', logSampleRate: 0 });
    log.info('outside any invocation');
    withInvocation({ requestId: 'req-1', functionName: 'McpFunction', functionVersion: '7' }, () =>
      log.info('first', { route: '/mcp' }),
    );
    withInvocation({ requestId: 'req-2', functionName: 'McpFunction', functionVersion: '7' }, () =>
      log.error('second'),
    );
    const [outside, first, second] = out.json();
    expect(outside).toMatchObject({ level: 'INFO', message: 'outside any invocation', service: 'mcp-test' });
    expect(outside).not.toHaveProperty('function_request_id');
    expect(outside).not.toHaveProperty('cold_start');
    expect(Date.parse(String(outside!.timestamp))).not.toBeNaN();
    expect(first).toMatchObject({
      _stream: 'stdout',
      level: 'INFO',
      message: 'first',
      service: 'mcp-test',
      cold_start: true,
      function_request_id: 'req-1',
      function_name: 'McpFunction',
      function_version: '7',
      route: '/mcp',
    });
    expect(second).toMatchObject({
      _stream: 'stderr',
      level: 'ERROR',
      cold_start: false,
      function_request_id: 'req-2',
    });
  });

  it('keeps each invocation’s request id across awaits when invocations overlap (one process, many requests)', async () => {
    const log = createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = withInvocation({ requestId: 'A', functionName: 'f', functionVersion: '1' }, async () => {
      log.info('a before');
      await gate;
      log.info('a after');
    });
    const b = withInvocation({ requestId: 'B', functionName: 'f', functionVersion: '1' }, async () => {
      log.info('b before');
      release();
      await Promise.resolve();
      log.info('b after');
    });
    await Promise.all([a, b]);
    const ids = Object.fromEntries(out.json().map((l) => [l.message, l.function_request_id]));
    expect(ids).toEqual({ 'a before': 'A', 'b before': 'B', 'a after': 'A', 'b after': 'B' });
  });

  it('honours LOG_LEVEL: below it nothing is written; INFO/DEBUG go to stdout, WARN/ERROR to stderr', () => {
    const warnOnly = createLogger({ logLevel: 'warn', serviceName: 's', logSampleRate: 0 });
    warnOnly.debug('d');
    warnOnly.info('i');
    warnOnly.warn('w');
    warnOnly.error('e');
    expect(out.json().map((l) => [l.level, l._stream])).toEqual([
      ['WARN', 'stderr'],
      ['ERROR', 'stderr'],
    ]);
    const verbose = createLogger({ logLevel: 'debug', serviceName: 's', logSampleRate: 0 });
    verbose.debug('d2');
    expect(out.json().at(-1)).toMatchObject({ level: 'DEBUG', message: 'd2', _stream: 'stdout' });
    expect(verbose.levelName()).toBe('DEBUG');
    expect(warnOnly.levelName()).toBe('WARN');
  });

  it('samples: with POWERTOOLS_LOGGER_SAMPLE_RATE 1 an ERROR-level logger writes DEBUG lines, and says so', () => {
    const sampled = createLogger({ logLevel: 'error', serviceName: 's', logSampleRate: 1 });
    sampled.debug('sampled detail');
    sampled.resample();
    expect(sampled.levelName()).toBe('DEBUG');
    const lines = out.json();
    expect(lines.some((l) => l.message === 'sampled detail' && l.level === 'DEBUG')).toBe(true);
    expect(lines.every((l) => l.sampling_rate === 1)).toBe(true);
    const unsampled = createLogger({ logLevel: 'error', serviceName: 's', logSampleRate: 0 });
    unsampled.debug('not written');
    expect(out.json().some((l) => l.message === 'not written')).toBe(false);
  });
});

describe('operational logger: redaction of every line', () => {
  it('redacts a JWT and a bearer credential placed in the message', () => {
    const log = createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 });
    log.warn(`mcp handler error: unsupported version ${jwt}; Authorization: Bearer ${bearerSecret}`);
    expect(leaks()).toEqual(clean);
    expect(out.json()[0]!.message).toBe(
      'mcp handler error: unsupported version [REDACTED]:jwt; Authorization: Bearer [REDACTED]',
    );
  });

  it('redacts the header values of #17 (MCP-Protocol-Version, Mcp-Method, Host, X-Forwarded-Proto), as Headers or a plain object', () => {
    const log = createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 });
    const hostile = {
      'mcp-protocol-version': jwt,
      'mcp-method': `tools/call ${jwt}`,
      host: `${jwt}.example`,
      'x-forwarded-proto': `Bearer ${bearerSecret}`,
    };
    log.error('bad request headers', { headers: new Headers(hostile), raw: hostile });
    expect(leaks()).toEqual(clean);
    const line = out.json()[0]!;
    for (const key of ['headers', 'raw']) {
      expect(line[key]).toEqual({
        'mcp-protocol-version': '[REDACTED]:jwt',
        'mcp-method': 'tools/call [REDACTED]:jwt',
        host: '[REDACTED]:jwt', // the JWT pattern takes up to 4 dot segments, .example included
        'x-forwarded-proto': 'Bearer [REDACTED]',
      });
    }
  });

  it('redacts an Error’s message, stack, cause and own properties (a URL error carries its input), and a JSON-RPC method', () => {
    const log = createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 });
    let urlError: unknown;
    try {
      new URL(`https://${jwt} a/mcp`);
    } catch (err) {
      urlError = err;
    }
    expect((urlError as { input?: string }).input?.includes(jwt)).toBe(true); // the hostile input is on the error
    const wrapped = new Error(`handler failed for method ${jwt}`, { cause: urlError });
    log.error('unhandled error in web handler', { error: wrapped, method: jwt });
    log.error('mcp handler error', { error: new TypeError(`Bearer ${bearerSecret} rejected`) });
    expect(leaks()).toEqual(clean);
    const [first, second] = out.json();
    const error = first!.error as Record<string, unknown>;
    expect(error.message).toBe('handler failed for method [REDACTED]:jwt');
    expect(String(error.stack)).toContain('handler failed for method [REDACTED]:jwt');
    expect((error.cause as Record<string, unknown>).input).toBe('https://[REDACTED]:jwt a/mcp');
    expect(first!.method).toBe('[REDACTED]:jwt');
    expect((second!.error as Record<string, unknown>).message).toBe('Bearer [REDACTED] rejected');
  });

  it('redacts sensitive keys and secret-shaped keys, and clips very long caller-sized strings after redacting', () => {
    const log = createLogger({ logLevel: 'info', serviceName: 's', logSampleRate: 0 });
    log.info('odd input', {
      authorization: 'opaque-token-without-scheme',
      nested: { Cookie: 'session=abc', client_secret: 's3cr3t', [jwt]: 'key was a token' },
      long: `${'x'.repeat(MAX_LOGGED_STRING + 50)}${jwt}`,
    });
    expect(leaks()).toEqual(clean);
    const line = out.json()[0]!;
    expect(line.authorization).toBe('[REDACTED]');
    expect(line.nested).toEqual({
      Cookie: '[REDACTED]',
      client_secret: '[REDACTED]',
      '[REDACTED]:jwt': 'key was a token',
    });
    expect(String(line.long)).toMatch(/^x{4096}…\[\d+ more characters\]$/);
    expect(all().includes('opaque-token-without-scheme') || all().includes('s3cr3t')).toBe(false);
  });
});
