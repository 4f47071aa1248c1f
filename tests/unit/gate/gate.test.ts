// The gate every protected route runs before its app (hostile cases first): malformed Host and
// X-Forwarded-Proto get 400 before anything else, behind the audit wrapper (one record each); refusals
// never load the core (the MCP SDK); the caller's Identity reaches the audit record as it left lib/auth.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Identity, toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { type AuthOutcome, audited, malformedHeader, withGate } from '../../../lib/gate/index.ts';
import { lambdaHandler } from '../../../lib/http/index.ts';
import { testContext } from '../../support/context.ts';
import { functionUrlEvent, lambdaContext, recordingStream } from '../../support/lambda.ts';

const cfg = loadConfig({
  MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp',
  AUTH_ISSUER: 'https://as.example.com/realms/mcp',
});
const HOSTILE_HOSTS = ['a b', '[::1', '%', 'a@127.0.0.1', '127.0.0.1:5000,evil.example', 'localhost:5000@evil.example'];
const dev: Identity = {
  subject: 'dev',
  clientId: 'inspector',
  scopes: ['mcp:tools'],
  expiresAt: 2_000_000_000,
  issuer: 'https://as.example.com/realms/mcp',
  jti: 'jti-1',
  sid: 'sid-1',
};

let records: Array<Record<string, unknown>>;
beforeEach(() => {
  records = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (!text.includes('"message":"audit"')) return write(chunk, ...(rest as []));
    for (const line of text.split('\n').filter(Boolean)) records.push(JSON.parse(line));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The gate as the apps compose it, with a stand-in core that says it ran. */
function app(
  authenticate: (r: Request) => Promise<AuthOutcome> = async () => ({ ok: true, authInfo: toAuthInfo(dev) }),
) {
  const next = vi.fn(async () => async () => new Response('core', { status: 200 }));
  return { next, handler: audited(cfg, withGate(cfg, authenticate, next)) };
}

describe('malformedHeader (pure)', () => {
  it.each(HOSTILE_HOSTS)('Host %j is malformed', (host) => {
    expect(malformedHeader(new Request('http://x/', { headers: { host } }))).toBe('Host header');
  });
  it('also: empty, a bad port, a bad IPv6 literal, percent-encoding, two Hosts joined', () => {
    for (const host of ['', 'a:99999', 'a:', '[1:2]', 'a%41', 'a, b']) {
      expect(malformedHeader(new Request('http://x/', { headers: { host } })), host).toBe('Host header');
    }
  });
  it('well-formed hosts pass (whether allowed is another question)', () => {
    for (const host of [
      '127.0.0.1:3000',
      '[::1]:3000',
      'localhost',
      'evil.example',
      'abc.lambda-url.eu-west-1.on.aws',
    ]) {
      expect(malformedHeader(new Request('http://x/', { headers: { host } })), host).toBeUndefined();
    }
  });
  it('X-Forwarded-Proto: the first item must be http or https', () => {
    const proto = (v: string) => malformedHeader(new Request('http://x/', { headers: { 'x-forwarded-proto': v } }));
    for (const bad of ['a b', '', 'ftp', 'https x', ',https']) expect(proto(bad), bad).toBe('X-Forwarded-Proto header');
    for (const good of ['https', 'HTTP', ' http ', 'https, http']) expect(proto(good), good).toBeUndefined();
  });
});

describe('withGate behind audited', () => {
  it.each(HOSTILE_HOSTS)(
    'Host %j: 400 naming the Host header, before preflight and auth; one audit record',
    async (host) => {
      const authenticate = vi.fn();
      const { next, handler } = app(authenticate);
      for (const method of ['POST', 'OPTIONS']) {
        const res = await handler(new Request('http://x/mcp', { method, headers: { host } }), testContext());
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Bad Request: the Host header is malformed' },
        });
      }
      expect(authenticate).not.toHaveBeenCalled();
      expect(next).not.toHaveBeenCalled();
      expect(records.map((r) => [r.httpStatus, r.outcome])).toEqual([
        [400, 'bad_request'],
        [400, 'bad_request'],
      ]);
    },
  );

  it('what lib/http reported as malformed is refused the same way', async () => {
    const { next, handler } = app();
    const res = await handler(new Request('http://127.0.0.1:3000/mcp'), testContext({ malformed: 'x-evil header' }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('Bad Request: the x-evil header is malformed');
    expect(next).not.toHaveBeenCalled();
    expect(records).toHaveLength(1);
  });

  it('a well-formed foreign Host is 403, a refused token keeps its answer; neither loads the core', async () => {
    const refuse = async (): Promise<AuthOutcome> => ({ ok: false, response: new Response(null, { status: 401 }) });
    const { next, handler } = app(refuse);
    const foreign = await handler(new Request('http://x/mcp', { headers: { host: 'evil.example' } }), testContext());
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.message).toBe('Forbidden: Host not allowed'); // the record is written at the body's end
    const unauth = await handler(new Request('http://127.0.0.1:3000/mcp', { method: 'POST' }), testContext());
    expect(unauth.status).toBe(401);
    expect(next).not.toHaveBeenCalled();
    expect(records.map((r) => r.httpStatus)).toEqual([403, 401]);
  });

  it('the Identity from lib/auth is the audit principal (identifiers only)', async () => {
    const { next, handler } = app();
    const res = await handler(new Request('http://127.0.0.1:3000/mcp', { method: 'POST' }), testContext());
    expect(await res.text()).toBe('core');
    expect(next).toHaveBeenCalledTimes(1);
    expect(records).toHaveLength(1);
    expect(records[0]!.principal).toEqual({ sub: 'dev', clientId: 'inspector', scopes: ['mcp:tools'], jti: 'jti-1' });
  });
});

describe('through lib/http: a hostile event reaches the audited gate', () => {
  it('a Function URL event with Host "a b" streams a 400 and leaves exactly one record', async () => {
    const { next, handler } = app();
    const rec = recordingStream();
    const context = lambdaContext();
    const fn = lambdaHandler(handler, 'stream') as (e: unknown, s: unknown, c: unknown) => Promise<void>;
    await fn(functionUrlEvent({ method: 'POST', headers: { host: 'a b' } }), rec.stream, context);
    const { prelude, body } = rec.decode();
    expect(prelude?.statusCode).toBe(400);
    expect(JSON.parse(body).error.message).toBe('Bad Request: the Host header is malformed');
    expect(next).not.toHaveBeenCalled();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ function_request_id: context.awsRequestId, httpStatus: 400, path: '/mcp' });
  });
});
