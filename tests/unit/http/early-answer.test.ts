// Early answers (WebApp.early: lib/http answers from the request's head, with no Request and no Response)
// against the full path, hostile cases first. The apps are the real ones (createMcpApp's audited gate,
// createPrmApp) with the real auditor; only AWS is stood in for: the events are hand-made in the three
// shapes lib/http accepts, and the response stream is local/runtime.ts's, which frames the prelude as the
// Lambda runtime does. The full path is forced by handing lib/http the same app without `early`.
// Wherever an early answer is given, the stream's bytes (prelude, delimiter, body), the buffered result and
// the audit record must be those of the full path.
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { createPrmApp } from '../../../lib/apps/prm.ts';
import { createSseApp } from '../../../lib/apps/sse.ts';
import { loadConfig } from '../../../lib/config.ts';
import { type HttpEvent, lambdaHandler } from '../../../lib/http/index.ts';
import type { StaticAnswer, WebApp } from '../../../lib/web-handler.ts';
import { RuntimeResponseStream } from '../../../local/runtime.ts';
import { lambdaContext } from '../../support/lambda.ts';

const ENV = {
  MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp',
  AUTH_ISSUER: 'https://as.example.com/realms/mcp',
  // Never fetched: no token reaches verification in these tests (a token is never answered early).
  AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks',
  ALLOWED_ORIGINS: 'http://127.0.0.1:3000,http://localhost:6274',
};
const cfg = loadConfig(ENV, { tools: toolManifest });
// `*` next to a listed origin: a listed Origin may be answered early, any other allowed one only in full.
const starCfg = loadConfig({ ...ENV, ALLOWED_ORIGINS: '*,http://localhost:6274' }, { tools: toolManifest });
const offCfg = loadConfig({ ...ENV, AUTH_DISABLED: 'true' }, { tools: toolManifest });

// ---- events in the three shapes -----------------------------------------------------------------------

type Shape = 'v2' | 'v1' | 'alb' | 'alb-multi';
interface Spec {
  shape: Shape;
  method: string;
  path: string;
  /** Raw `k=v` pairs (v2 and ALB carry them as written; v1 decoded). */
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  body?: string;
  base64?: boolean;
}

function single(pairs: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}
function multi(pairs: Array<[string, string]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) out[k] = [...(Object.hasOwn(out, k) ? out[k]! : []), v];
  return out;
}
function decoded(pairs: Array<[string, string]>): Array<[string, string]> {
  const safe = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return pairs.map(([k, v]) => [safe(k), safe(v)]);
}

function eventOf(s: Spec): HttpEvent {
  const body = s.body === undefined ? undefined : s.base64 ? Buffer.from(s.body).toString('base64') : s.body;
  const base = { body: body ?? null, isBase64Encoded: body !== undefined && s.base64 === true };
  if (s.shape === 'v2') {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: s.path,
      rawQueryString: s.query.map(([k, v]) => `${k}=${v}`).join('&'),
      headers: single(s.headers),
      requestContext: {
        domainName: '127.0.0.1:3000',
        http: { method: s.method, path: s.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
        requestId: 'front-req',
        timeEpoch: 0,
      },
      ...base,
      body,
    } as unknown as HttpEvent;
  }
  if (s.shape === 'v1') {
    const q = decoded(s.query);
    return {
      resource: s.path,
      path: s.path,
      httpMethod: s.method,
      headers: single(s.headers),
      multiValueHeaders: multi(s.headers),
      queryStringParameters: q.length ? single(q) : null,
      multiValueQueryStringParameters: q.length ? multi(q) : null,
      requestContext: {
        domainName: 'api.example.com',
        requestId: 'front-req',
        identity: { sourceIp: '203.0.113.7', userAgent: undefined },
      },
      ...base,
    } as unknown as HttpEvent;
  }
  const elb = { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:local:000000000000:targetgroup/t/1' } };
  if (s.shape === 'alb-multi') {
    return {
      requestContext: elb,
      httpMethod: s.method,
      path: s.path,
      multiValueHeaders: multi(s.headers),
      multiValueQueryStringParameters: multi(s.query),
      ...base,
    } as unknown as HttpEvent;
  }
  return {
    requestContext: elb,
    httpMethod: s.method,
    path: s.path,
    headers: single(s.headers),
    queryStringParameters: single(s.query),
    ...base,
  } as unknown as HttpEvent;
}

// ---- running an app both ways --------------------------------------------------------------------------

let records: Array<Record<string, unknown>> = [];
beforeAll(() => {
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    // A request's audit line and its metric lines (EMF) leave in one write: audit records are kept, the
    // metric lines dropped; any other write passes.
    if (!text.includes('"message":"audit"') && !text.startsWith('{"_aws"')) return write(chunk, ...(rest as []));
    for (const line of text.split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.message === 'audit') records.push(parsed);
    }
    return true;
  });
});
afterAll(() => vi.restoreAllMocks());

/** The app with its early answer watched (`answered` says whether the last call gave one), and without. */
function both(app: WebApp) {
  const watched = { answered: false };
  const probe: WebApp = (request, ctx) => app(request, ctx);
  probe.early = (head, ctx) => {
    const answer: StaticAnswer | undefined = app.early!(head, ctx);
    watched.answered = answer !== undefined;
    return answer;
  };
  const full: WebApp = (request, ctx) => app(request, ctx);
  return {
    watched,
    early: { stream: lambdaHandler(probe, 'stream'), buffered: lambdaHandler(probe, 'buffered') },
    full: { stream: lambdaHandler(full, 'stream'), buffered: lambdaHandler(full, 'buffered') },
  };
}
type Handlers = ReturnType<typeof both>['early'];
type Mode = 'stream' | 'buffered';

const context = (): Context => ({ ...lambdaContext(), awsRequestId: 'front-invocation' });
// What may differ between two runs of one request: when, how long, and the chain position.
const VOLATILE = ['timestamp', 'durationMs', 'seq', 'prev', 'hash'];

/** One invocation: what went out (stream bytes as hex, or the buffered result) and the audit records. */
async function run(handlers: Handlers, spec: Spec, mode: Mode) {
  records = [];
  let out: unknown;
  if (mode === 'stream') {
    const chunks: Buffer[] = [];
    const stream = new RuntimeResponseStream((c) => chunks.push(c));
    await (handlers.stream as unknown as (e: unknown, s: unknown, c: Context) => Promise<void>)(
      eventOf(spec),
      stream,
      context(),
    );
    out = Buffer.concat(chunks).toString('hex');
  } else {
    out = await (handlers.buffered as (e: unknown, c: Context) => Promise<unknown>)(eventOf(spec), context());
  }
  const audit = records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE.includes(k))));
  return { out, audit, raw: records };
}

/** Runs `spec` early-enabled and full; asserts the same answer and records; tells whether early answered. */
async function compare(app: ReturnType<typeof both>, spec: Spec, mode: Mode): Promise<boolean> {
  const early = await run(app.early, spec, mode);
  const answered = app.watched.answered;
  const full = await run(app.full, spec, mode);
  expect(early.out, JSON.stringify(spec)).toEqual(full.out);
  expect(early.audit, JSON.stringify(spec)).toEqual(full.audit);
  return answered;
}

function statusOf(out: unknown): number {
  if (typeof out === 'string') {
    const bytes = Buffer.from(out, 'hex');
    return JSON.parse(bytes.subarray(0, bytes.indexOf(Buffer.alloc(8))).toString()).statusCode;
  }
  return (out as { statusCode: number }).statusCode;
}

const mcp = both(createMcpApp(cfg));
const mcpStar = both(createMcpApp(starCfg));
const mcpOff = both(createMcpApp(offCfg));
const prm = both(createPrmApp(cfg));
const sse = both(createSseApp(cfg));
const SHAPES: Shape[] = ['v2', 'v1', 'alb', 'alb-multi'];
const MODES: Mode[] = ['stream', 'buffered'];
const HOST: Array<[string, string]> = [
  ['host', '127.0.0.1:3000'],
  ['x-forwarded-proto', 'http'],
];
const JSON_POST = { method: 'POST', path: '/mcp', body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' };

beforeAll(async () => {
  // The first record of the process says cold_start: true; the comparisons start warm.
  await run(mcp.full, { shape: 'v2', method: 'GET', path: '/mcp', query: [], headers: HOST }, 'stream');
});

// ---- hostile cases first -----------------------------------------------------------------------------

describe('early answers decline what the full path refuses otherwise (hostile first)', () => {
  const cases: Array<[string, Partial<Spec>, number]> = [
    ['a token in the query string', { query: [['access_token', 'abc']] }, 400],
    ['a token in the query string, percent-encoded name', { query: [['access%5Ftoken', 'abc']] }, 400],
    ['a token behind ? in the path itself', { path: '/mcp?access_token=abc' }, 400],
    [
      'a token in a form body',
      { headers: [...HOST, ['content-type', 'application/x-www-form-urlencoded']], body: 'access_token=abc' },
      400,
    ],
    [
      'a token in a form body, type in capitals with a charset',
      {
        headers: [...HOST, ['Content-Type', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8']],
        body: 'a=1&access_token=abc',
      },
      400,
    ],
    ['a foreign Origin', { headers: [...HOST, ['origin', 'https://evil.example']] }, 403],
    ['a foreign Host', { headers: [['host', 'evil.example']] }, 403],
    ['a malformed Host', { headers: [['host', 'a b']] }, 400],
    [
      'a malformed X-Forwarded-Proto',
      {
        headers: [
          ['host', '127.0.0.1:3000'],
          ['x-forwarded-proto', 'ftp'],
        ],
      },
      400,
    ],
    ['a header value with CR LF', { headers: [...HOST, ['x-evil', 'a\r\nset-cookie: x']] }, 400],
    ['a header name no Headers holds', { headers: [...HOST, ['bad name', 'x']] }, 400],
    ['an empty Authorization header', { headers: [...HOST, ['authorization', '']] }, 401],
    ['the Bearer scheme without a token', { headers: [...HOST, ['authorization', 'Bearer']] }, 401],
    ['a malformed bearer token', { headers: [...HOST, ['authorization', 'Bearer a b!']] }, 401],
    ['an oversized Authorization header', { headers: [...HOST, ['authorization', `Basic ${'x'.repeat(9000)}`]] }, 401],
    ['a preflight', { method: 'OPTIONS', headers: [...HOST, ['origin', 'http://localhost:6274']] }, 204],
  ];
  for (const [what, over, status] of cases) {
    it(`${what}: no early answer; the full path's ${status}, in every shape and mode`, async () => {
      for (const shape of SHAPES) {
        if (shape !== 'v2' && over.path?.includes('?')) continue; // only payload 2.0 has a raw path with `?`
        for (const mode of MODES) {
          const spec: Spec = { shape, ...JSON_POST, query: [], headers: HOST, ...over };
          const answered = await compare(mcp, spec, mode);
          expect(answered, `${shape} ${mode}`).toBe(false);
          const { out, raw } = await run(mcp.early, spec, mode);
          expect(statusOf(out), `${shape} ${mode}`).toBe(status);
          expect(raw.map((r) => r.httpStatus)).toEqual([status]);
        }
      }
    });
  }

  it('an Origin allowed only through * is answered in full (its CORS answer is not cached)', async () => {
    const spec: Spec = { shape: 'v2', ...JSON_POST, query: [], headers: [...HOST, ['origin', 'https://any.example']] };
    expect(await compare(mcpStar, spec, 'stream')).toBe(false);
    const { out } = await run(mcpStar.early, spec, 'stream');
    expect(statusOf(out)).toBe(401);
    // A listed one next to `*` is answered early, with its own CORS headers.
    const listed: Spec = { ...spec, headers: [...HOST, ['origin', 'http://localhost:6274']] };
    expect(await compare(mcpStar, listed, 'stream')).toBe(true);
  });

  it('with auth disabled nothing is answered early', async () => {
    const spec: Spec = { shape: 'v2', method: 'GET', path: '/mcp', query: [], headers: HOST };
    await run(mcpOff.early, { ...spec, method: 'OPTIONS' }, 'stream');
    expect(mcpOff.watched.answered).toBe(false);
  });

  it('a stand-in bearer check (no early of its own) turns early answers off', () => {
    const app = createMcpApp(cfg, { authenticate: async () => ({ ok: false, response: new Response(null) }) });
    expect((app as WebApp).early).toBeUndefined();
  });
});

// ---- what is answered early, exactly -------------------------------------------------------------------

describe('early answers equal the full path', () => {
  it('the 401 without a credential: no header, Basic, DPoP, with and without an allowed Origin', async () => {
    for (const auth of [undefined, 'Basic dXNlcjpwYXNz', 'DPoP abc', '  basic  x ']) {
      for (const origin of [undefined, 'http://localhost:6274', 'http://127.0.0.1:3000']) {
        for (const shape of SHAPES) {
          for (const mode of MODES) {
            const headers: Array<[string, string]> = [...HOST];
            if (auth !== undefined) headers.push(['Authorization', auth]);
            if (origin !== undefined) headers.push(['Origin', origin]);
            const spec: Spec = { shape, ...JSON_POST, query: [], headers };
            expect(await compare(mcp, spec, mode), `${auth} ${origin} ${shape} ${mode}`).toBe(true);
            const { out, raw } = await run(mcp.early, spec, mode);
            expect(statusOf(out)).toBe(401);
            expect(raw).toHaveLength(1);
            expect(raw[0]).toMatchObject({ httpStatus: 401, httpMethod: 'POST', path: '/mcp', chunksOut: 1 });
          }
        }
      }
    }
  });

  it('the legacy SSE function (the same gate): GET /sse and POST /messages/ without a credential', async () => {
    for (const [method, path] of [
      ['GET', '/sse'],
      ['POST', '/messages/'],
    ] as const) {
      for (const shape of SHAPES) {
        for (const mode of MODES) {
          const spec: Spec = {
            shape,
            method,
            path,
            query: [],
            headers: [...HOST, ['origin', 'http://localhost:6274']],
          };
          expect(await compare(sse, spec, mode), `${method} ${path} ${shape} ${mode}`).toBe(true);
        }
      }
    }
    // Its session id travels in the query string: no early answer then (the full path looks for a token there).
    const withSession: Spec = {
      shape: 'v2',
      method: 'POST',
      path: '/messages/',
      query: [['sessionId', 'x']],
      headers: HOST,
    };
    expect(await compare(sse, withSession, 'stream')).toBe(false);
  });

  it('PRM GET and HEAD on both paths; other paths and methods in full', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      for (const method of ['GET', 'HEAD']) {
        for (const shape of SHAPES) {
          for (const mode of MODES) {
            const spec: Spec = { shape, method, path, query: [], headers: HOST };
            expect(await compare(prm, spec, mode), `${method} ${path} ${shape} ${mode}`).toBe(true);
          }
        }
      }
    }
    for (const [method, path] of [
      ['GET', '/.well-known/oauth-protected-resource/../oauth-protected-resource'],
      ['GET', '/.well-known/%6fauth-protected-resource'],
      ['GET', '/.well-known/oauth-protected-resource/mcp/'],
      ['POST', '/.well-known/oauth-protected-resource'],
      ['OPTIONS', '/.well-known/oauth-protected-resource'],
    ] as const) {
      expect(await compare(prm, { shape: 'v2', method, path, query: [], headers: HOST }, 'stream'), path).toBe(false);
    }
  });
});

// ---- the property ----------------------------------------------------------------------------------------

const cased = (name: string) =>
  fc.constantFrom(
    name,
    name.toUpperCase(),
    name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
  );
/** Mostly `usual` (what real clients send), else one of `odd`. */
const mostly = <T>(usual: T[], odd: T[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...usual), weight: 3 }, { arbitrary: fc.constantFrom(...odd), weight: 1 });
const header = (name: string, usual: string[], odd: string[], freq = 2) =>
  fc.option(fc.tuple(cased(name), mostly(usual, odd)), { nil: undefined, freq });

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    shape: fc.constantFrom<Shape>(...SHAPES),
    method: mostly(['GET', 'POST', 'DELETE', 'HEAD'], ['PUT', 'PATCH', 'OPTIONS', 'post', 'CONNECT', 'FOO']),
    path: mostly(
      [
        '/mcp',
        '/sse',
        '/messages/',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource/mcp',
      ],
      [
        '/mcp/',
        'mcp',
        '/MCP',
        '/a b',
        '/Zoë',
        '//evil.example/x',
        '/mcp#frag',
        '/mcp?access_token=x',
        '/.well-known/oauth-protected-resource/mcp/',
        '/.well-known/oauth-protected-resource/../oauth-protected-resource',
        '/.WELL-KNOWN/oauth-protected-resource',
      ],
    ),
    query: mostly<Array<[string, string]>>(
      [[]],
      [
        [['access_token', 'abc']],
        [['a', '1']],
        [['access%5Ftoken', 'x']],
        [
          ['x', '1'],
          ['access_token', 'y'],
        ],
        [['x', 'a?b#c']],
      ],
    ),
    host: header(
      'host',
      ['127.0.0.1:3000', 'localhost:3000', 'abc.lambda-url.eu-west-1.on.aws'],
      ['LOCALHOST', ' 127.0.0.1:3000 ', '[::1]:3000', 'evil.example', 'a b', '127.0.0.1:99999', '', 'a@b'],
      8,
    ),
    proto: header('x-forwarded-proto', ['http', 'https'], ['HTTPS', ' http', 'http, https', 'ftp', '']),
    origin: header(
      'origin',
      ['http://localhost:6274', 'http://127.0.0.1:3000'],
      [' http://localhost:6274 ', 'https://evil.example', 'https://any.example', 'null', ''],
    ),
    authorization: header(
      'authorization',
      ['Basic dXNlcjpwYXNz', 'DPoP abc'],
      [
        'Negotiate x',
        'Bearer',
        'Bearer ',
        'Bearer abc.def.ghi',
        'bearer a b',
        '',
        '   ',
        '\tBasic x\t',
        `Basic ${'x'.repeat(9000)}`,
        'Basic Zoë',
        'Basic a\r\nb',
      ],
      1,
    ),
    contentType: header(
      'content-type',
      ['application/json'],
      ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8', 'text/plain'],
    ),
    extra: fc.subarray<[string, string]>([
      ['user-agent', 'curl/8'],
      ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      ['accept', 'application/json, text/event-stream'],
      ['cookie', 'a=b'],
      ['X-Custom', ' padded '],
      ['x-name', 'Zoë'],
      ['Origin', 'https://evil.example'],
    ]),
    body: mostly([undefined, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], ['access_token=abc', 'a=1', '']),
    base64: fc.boolean(),
  })
  .map((r) => ({
    shape: r.shape,
    method: r.method,
    path: r.shape === 'v2' ? r.path : r.path.replace(/[?#].*$/, ''),
    query: r.query,
    headers: [r.host, r.proto, r.origin, r.authorization, r.contentType, ...r.extra].filter(
      (h): h is [string, string] => h !== undefined,
    ),
    body: r.body,
    base64: r.base64,
  }));

describe('property: whenever an early answer is given, it is the full path answer, byte for byte', () => {
  it('/mcp (audited gate): same bytes, same result, same audit record', async () => {
    let answered = 0;
    let declined = 0;
    await fc.assert(
      fc.asyncProperty(specArb, fc.constantFrom<Mode>(...MODES), fc.boolean(), async (spec, mode, star) => {
        // Only requests without a token run both ways: a token would go to verification (never early).
        const early = await run(star ? mcpStar.early : mcp.early, spec, mode);
        const watched = star ? mcpStar.watched : mcp.watched;
        if (!watched.answered) {
          declined++;
          return;
        }
        answered++;
        const full = await run(star ? mcpStar.full : mcp.full, spec, mode);
        expect(early.out, JSON.stringify(spec)).toEqual(full.out);
        expect(early.audit, JSON.stringify(spec)).toEqual(full.audit);
        expect(early.audit).toHaveLength(1);
      }),
      { numRuns: 600 },
    );
    // Both sides were exercised.
    expect(answered).toBeGreaterThan(60);
    expect(declined).toBeGreaterThan(60);
  });

  it('PRM: same bytes and result (GET, HEAD), everything else declined', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(specArb, fc.constantFrom<Mode>(...MODES), async (spec, mode) => {
        if (await compare(prm, spec, mode)) answered++;
      }),
      { numRuns: 400 },
    );
    expect(answered).toBeGreaterThan(20);
  });
});
