// fast-check arbitraries for the attack suite: one `Plan` per request, across /mcp (2026-07-28 with the
// `_meta` envelope and Mcp-Method/Mcp-Name headers; 2025 with sessions), /messages/ (a real /sse
// session of the same user), /sse, the PRM, and raw sockets. Plans are data: the runner fills in the
// runtime values (tokens, session ids) named by the markers below and renders the bodies.
//
// Markers, replaced at send time in paths, header values and rendered bodies:
//   @@JWT@@ the caller's valid access token    @@VIEWER@@ a token of another user (mcp:tools only)
//   @@OTHERAUD@@ a token for another audience   @@SESSION@@ a 2025 session of the caller (from a pool)
//   @@OTHERSESSION@@ a session of the other user   @@SSE@@ the caller's legacy /sse session id
//   @@OTHERSSE@@ the other user's /sse session id
// Body values that are not plain JSON: { '@@deep': n } (n nested objects), { '@@huge': n } (a string of
// n characters starting with the argument sentinel), { '@@raw': text } (text as is).
import fc from 'fast-check';

export type Route = 'mcp-2026' | 'mcp-2025' | 'messages' | 'sse' | 'prm';

export interface HttpPlan {
  kind: 'http';
  route: Route;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** A body template (rendered by renderBody). */
  body?: unknown;
  noHost?: boolean;
  /** The client goes away after the response headers or the first body bytes (the work must still settle). */
  leave?: 'headers' | 'first-chunk';
  /** A well-formed request of the right user with nothing hostile in it: it must be answered 2xx. */
  valid: boolean;
  /** The route is an audited function (/mcp, /sse, /messages/): exactly one `request` record. */
  audited: boolean;
  /** A valid batch whose calls all run: exactly this many `tool_call` records. */
  exactCalls?: number;
  /** Any batch: at most this many `tool_call` records (one per tools/call entry). */
  maxCalls?: number;
}

export interface RawPlan {
  kind: 'raw';
  name: string;
  /** The bytes to write; `@@BIG@@` in a chunk stands for 1 MB of body bytes. */
  chunks: string[];
  /** Close right after writing (a client that dies mid-request) instead of waiting for the answer. */
  close: boolean;
}

export type Plan = HttpPlan | RawPlan;

/** Sentinels that must never reach the host's logs: argument values and fail_demo messages carry them. */
export function sentinels(seed: number) {
  return { arg: `RAWARG-${seed}`, err: `RAWERR-${seed}` };
}

export const PROTO_NAMES = [
  'constructor',
  '__proto__',
  'hasOwnProperty',
  'isPrototypeOf',
  '__lookupGetter__',
  '__defineGetter__',
  'propertyIsEnumerable',
  'toString',
  'valueOf',
  'toLocaleString',
] as const;

export const BAD_HOSTS = [
  'a b',
  '[::1',
  '%',
  'a@127.0.0.1',
  '127.0.0.1:5000,evil.example',
  'localhost:5000@evil.example',
] as const;

const MODERN = '2026-07-28';
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;

/** The 2026-07-28 `_meta` envelope every modern request carries. */
export function envelope(version: unknown = MODERN): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'attack', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

interface Msg {
  value: Record<string, unknown>;
  valid: boolean;
  /** JSON-RPC method (for Mcp-Method) and tool name (for Mcp-Name), as sent. */
  method: unknown;
  tool?: unknown;
  isToolCall: boolean;
}

const deep = fc
  .oneof(
    { weight: 2, arbitrary: fc.integer({ min: 2, max: 200 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1_000, max: 5_000 }) },
    { weight: 1, arbitrary: fc.constant(5_000) },
  )
  .map((n) => ({ '@@deep': n }));

function argsFor(seed: number) {
  const { arg, err } = sentinels(seed);
  const text = fc.string({ maxLength: 24 }).map((s) => `${arg}-${s}`);
  const good = fc.oneof(
    { weight: 5, arbitrary: fc.record({ tool: fc.constant('echo'), args: fc.record({ text }) }) },
    { weight: 2, arbitrary: fc.record({ tool: fc.constant('whoami'), args: fc.constant({}) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        tool: fc.constant('fail_demo'),
        args: fc.record({ message: fc.string({ maxLength: 24 }).map((s) => `${err}-${s}`) }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        tool: fc.constant('stream_demo'),
        args: fc.record({ chunks: fc.integer({ min: 1, max: 3 }), interval_ms: fc.integer({ min: 0, max: 20 }) }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ tool: fc.constant('notify_demo'), args: fc.record({ text }) }) },
    { weight: 1, arbitrary: fc.record({ tool: fc.constant('admin_demo'), args: fc.constant({}) }) },
  );
  const hostileArgs = fc.oneof(
    fc.constant({ text: 42 }),
    deep.map((d) => ({ text: d })),
    deep,
    fc.constant('x'),
    fc.constant(null),
    fc.constant([arg]),
    text.map((t) => ({
      '@@raw': `{"__proto__":{"polluted":${JSON.stringify(t)}},"constructor":{"prototype":{"x":1}},"text":${JSON.stringify(t)}}`,
    })),
    text.map((t) => ({ text: t, extra: t, nested: { deeper: [t] } })),
  );
  const badTool = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PROTO_NAMES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.constantFrom('ECHO', 'echo ', 'tools/call', '') },
  );
  return {
    text,
    good,
    /** Any tools/call name and arguments, and whether the pair is a well-formed call of a real tool. */
    call: fc.oneof(
      { weight: 6, arbitrary: good.map((g) => ({ ...g, valid: true })) },
      {
        weight: 2,
        arbitrary: fc
          .record({
            tool: badTool,
            args: fc.oneof(
              text.map((t) => ({ text: t })),
              hostileArgs,
            ),
          })
          .map((g) => ({ ...g, valid: false })),
      },
      {
        weight: 2,
        arbitrary: fc
          .record({ tool: fc.constantFrom('echo', 'fail_demo', 'whoami'), args: hostileArgs })
          .map((g) => ({ ...g, valid: false })),
      },
    ),
  };
}

const rpcId = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `id-${s}`) },
);

/** Ways to break a well-formed message: the shapes the issue names, and a few more. */
const mutation = fc.constantFrom(
  (m: Record<string, unknown>) => ({ ...m, id: {} }),
  (m: Record<string, unknown>) => ({ ...m, id: [] }),
  (m: Record<string, unknown>) => ({ ...m, id: true }),
  (m: Record<string, unknown>) => ({ ...m, id: 1.5 }),
  (m: Record<string, unknown>) => ({ ...m, id: null }),
  (m: Record<string, unknown>) => ({ ...m, jsonrpc: '1.0' }),
  (m: Record<string, unknown>) => ({ ...m, jsonrpc: 2 }),
  (m: Record<string, unknown>) => {
    const { jsonrpc: _, ...rest } = m;
    return rest;
  },
  (m: Record<string, unknown>) => ({ ...m, method: 42 }),
  (m: Record<string, unknown>) => ({ ...m, method: null }),
  (m: Record<string, unknown>) => ({ ...m, method: '@@JWT@@' }),
  (m: Record<string, unknown>) => ({ ...m, method: 'tools/call ' }),
  (m: Record<string, unknown>) => ({ ...m, params: 'x' }),
  (m: Record<string, unknown>) => ({ ...m, params: 42 }),
  (m: Record<string, unknown>) => ({ ...m, params: [] }),
  (m: Record<string, unknown>) => ({ ...m, params: null }),
  (m: Record<string, unknown>) => ({ ...m, params: { '@@deep': 5_000 } }),
  (m: Record<string, unknown>) => {
    const { id: _, ...rest } = m;
    return rest;
  },
  (m: Record<string, unknown>) => ({ ...m, result: {}, error: { code: 1, message: 'x' } }),
);

function messages(seed: number, era: 'modern' | 'legacy' | 'sse') {
  const a = argsFor(seed);
  const meta = era === 'modern' ? { _meta: envelope() } : {};
  const toolCall = fc.record({ id: rpcId, call: a.call }).map(
    ({ id, call }): Msg => ({
      value: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: call.tool, arguments: call.args, ...meta } },
      valid: call.valid,
      method: 'tools/call',
      tool: call.tool,
      isToolCall: true,
    }),
  );
  const otherMethods =
    era === 'modern'
      ? ['tools/list', 'server/discover', 'ping', 'resources/list', 'prompts/list']
      : ['tools/list', 'ping', 'resources/list', 'prompts/list'];
  const other = fc.record({ id: rpcId, method: fc.constantFrom(...otherMethods) }).map(
    ({ id, method }): Msg => ({
      value: { jsonrpc: '2.0', id, method, params: { ...meta } },
      // Lists of what the server does not offer are refused with a JSON-RPC error, and 2026-07-28 has no
      // ping (-32601, HTTP 404): not "valid".
      valid: method === 'tools/list' || method === 'server/discover' || (method === 'ping' && era !== 'modern'),
      method,
      isToolCall: false,
    }),
  );
  const weird = fc
    .record({ id: rpcId, method: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...PROTO_NAMES)) })
    .map(({ id, method }): Msg => ({ value: { jsonrpc: '2.0', id, method }, valid: false, method, isToolCall: false }));
  const notification = fc.constantFrom('notifications/initialized', 'notifications/cancelled', 'notifications/x').map(
    (method): Msg => ({
      value: { jsonrpc: '2.0', method, params: { requestId: 1, ...meta } },
      valid: false,
      method,
      isToolCall: false,
    }),
  );
  const base = fc.oneof(
    { weight: 7, arbitrary: toolCall },
    { weight: 2, arbitrary: other },
    { weight: 1, arbitrary: weird },
    { weight: 1, arbitrary: notification },
  );
  return fc
    .record({
      base,
      mutations: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        fc.array(mutation, { minLength: 1, maxLength: 2 }),
      ),
    })
    .map(({ base: m, mutations }): Msg => {
      let value = m.value;
      for (const f of mutations) value = f(value);
      return { ...m, value, valid: m.valid && mutations.length === 0 };
    });
}

/** Headers that break a request in the ways the issue lists (and a valid JWT where no token belongs). */
type HeaderEdit = [string, string | null];
const edit =
  (name: string) =>
  (value: string | null): HeaderEdit => [name, value];

const headerAnomaly: fc.Arbitrary<HeaderEdit> = fc.oneof(
  fc.constantFrom(...BAD_HOSTS, '@@JWT@@', 'evil.example', '', '127.0.0.1:99999', '[::1]:x').map(edit('host')),
  fc.constantFrom('a b', '@@JWT@@', 'https', 'http,https', '%', '', 'javascript:').map(edit('x-forwarded-proto')),
  fc.constantFrom('http://evil.example', 'null', '@@JWT@@').map(edit('origin')),
  fc.constantFrom('@@JWT@@', '1999-01-01', 'x', '', '2026-07-28, 2025-06-18').map(edit('mcp-protocol-version')),
  fc.constantFrom('@@JWT@@', 'tools/list', '').map(edit('mcp-method')),
  fc.constantFrom('@@JWT@@', 'constructor', '').map(edit('mcp-name')),
  fc
    .constantFrom('text/plain', 'application/json; charset=utf-16', 'application/jsonx', null)
    .map(edit('content-type')),
  fc.constantFrom('text/html', null).map(edit('accept')),
  fc
    .constantFrom(
      null,
      'Bearer',
      'Bearer garbage.garbage.garbage',
      'Basic Zm9vOmJhcg==',
      'Bearer @@JWT@@ extra',
      'Bearer @@VIEWER@@',
      'Bearer @@OTHERAUD@@',
    )
    .map(edit('authorization')),
  fc.constantFrom('@@JWT@@', 'x', 'Zm9v.c3Nl.000000000001').map(edit('last-event-id')),
  fc.constantFrom('@@JWT@@', '00-zz-zz-01').map(edit('traceparent')),
  fc.constantFrom('a=@@JWT@@', '__proto__=1').map(edit('cookie')),
);

const anomalies = fc.oneof(
  { weight: 7, arbitrary: fc.constant([] as HeaderEdit[]) },
  { weight: 3, arbitrary: fc.array(headerAnomaly, { minLength: 1, maxLength: 2 }) },
);

function applyHeaders(base: Record<string, string>, list: HeaderEdit[]) {
  const headers = { ...base };
  for (const [k, v] of list) {
    if (v === null) delete headers[k];
    else headers[k] = v;
  }
  return headers;
}

const AUTH = { authorization: 'Bearer @@JWT@@' };

function countCalls(list: Msg[]): number {
  return list.filter(
    (m) => m.value.method === 'tools/call' && typeof (m.value.params as { name?: unknown } | null)?.name === 'string',
  ).length;
}

/** 2026-07-28 requests on /mcp: stateless, `_meta` envelope, Mcp-Method / Mcp-Name headers. */
function modernPlan(seed: number): fc.Arbitrary<HttpPlan> {
  const msg = messages(seed, 'modern');
  const headerMut = fc.oneof(
    { weight: 8, arbitrary: fc.constant('none' as const) },
    fc.constantFrom('no-method', 'no-name', 'wrong-method', 'wrong-name', 'bad-version', 'no-version', 'meta-version'),
  );
  const single = fc.record({ m: msg, headerMut, anomalies }).map(({ m, headerMut: hm, anomalies: an }): HttpPlan => {
    const headers: Record<string, string> = {
      ...AUTH,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
    };
    if (typeof m.method === 'string') headers['mcp-method'] = m.method;
    if (m.isToolCall && typeof m.tool === 'string') headers['mcp-name'] = m.tool;
    let value = m.value;
    if (hm === 'no-method') delete headers['mcp-method'];
    if (hm === 'no-name') delete headers['mcp-name'];
    if (hm === 'wrong-method') headers['mcp-method'] = 'tools/list';
    if (hm === 'wrong-name') headers['mcp-name'] = 'whoami';
    if (hm === 'bad-version') headers['mcp-protocol-version'] = '2099-01-01';
    if (hm === 'no-version') delete headers['mcp-protocol-version'];
    if (hm === 'meta-version' && typeof value.params === 'object' && value.params !== null) {
      value = { ...value, params: { ...(value.params as object), _meta: envelope('2025-06-18') } };
    }
    // wrong-name on whoami is no mismatch at all.
    const mismatch = hm !== 'none' && !(hm === 'wrong-name' && m.tool === 'whoami');
    return {
      kind: 'http',
      route: 'mcp-2026',
      method: 'POST',
      path: '/mcp',
      headers: applyHeaders(headers, an),
      body: value,
      valid: m.valid && !mismatch && an.length === 0,
      audited: true,
    };
  });
  // Huge strings, mostly within the 1 MiB body limit (stateless era: nothing is stored), some over it (413).
  const huge = fc.integer({ min: 10_000, max: 1_100_000 }).map(
    (n): HttpPlan => ({
      kind: 'http',
      route: 'mcp-2026',
      method: 'POST',
      path: '/mcp',
      headers: {
        ...AUTH,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
      },
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: { '@@huge': n } }, _meta: envelope() },
      },
      valid: n < 1_000_000,
      audited: true,
    }),
  );
  const batch = fc.array(msg, { maxLength: 6 }).map(
    (list): HttpPlan => ({
      kind: 'http',
      route: 'mcp-2026',
      method: 'POST',
      path: '/mcp',
      headers: {
        ...AUTH,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
      },
      body: list.map((m) => m.value),
      valid: false,
      audited: true,
      maxCalls: countCalls(list),
    }),
  );
  const otherMethod = fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS').map(
    (method): HttpPlan => ({
      kind: 'http',
      route: 'mcp-2026',
      method,
      path: '/mcp',
      headers: { ...AUTH, accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN },
      valid: false,
      audited: true,
    }),
  );
  return fc.oneof(
    { weight: 40, arbitrary: single },
    { weight: 1, arbitrary: huge },
    { weight: 3, arbitrary: batch },
    { weight: 2, arbitrary: otherMethod },
  );
}

/** 2025-era requests on /mcp against real sessions: single messages, batches, initialize, GET/DELETE. */
function legacyPlan(seed: number): fc.Arbitrary<HttpPlan> {
  const msg = messages(seed, 'legacy');
  const a = argsFor(seed);
  const session = fc.oneof(
    { weight: 12, arbitrary: fc.constant('pool' as const) },
    fc.constantFrom('other-user' as const, 'bogus' as const, 'none' as const),
  );
  const version = fc.oneof(
    { weight: 10, arbitrary: fc.constant('session' as const) },
    fc.constantFrom(MODERN, '1999-01-01', '@@JWT@@', 'none'),
  );
  const headersFor = (s: string, v: string): Record<string, string> => {
    const h: Record<string, string> = {
      ...AUTH,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (s === 'pool') h['mcp-session-id'] = '@@SESSION@@';
    if (s === 'other-user') h['mcp-session-id'] = '@@OTHERSESSION@@';
    if (s === 'bogus') h['mcp-session-id'] = 'no-such-session';
    if (v === 'session') h['mcp-protocol-version'] = '@@SESSIONVERSION@@';
    else if (v !== 'none') h['mcp-protocol-version'] = v;
    return h;
  };
  const single = fc.record({ m: msg, s: session, v: version, an: anomalies }).map(
    ({ m, s, v, an }): HttpPlan => ({
      kind: 'http',
      route: 'mcp-2025',
      method: 'POST',
      path: '/mcp',
      headers: applyHeaders(headersFor(s, v), an),
      body: m.value,
      valid: m.valid && s === 'pool' && v === 'session' && an.length === 0,
      audited: true,
    }),
  );
  const validBatch = fc
    .record({
      calls: fc.array(a.good, { minLength: 2, maxLength: 6 }),
      leave: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.constant('first-chunk' as const)),
    })
    .map(
      ({ calls, leave }): HttpPlan => ({
        kind: 'http',
        route: 'mcp-2025',
        method: 'POST',
        path: '/mcp',
        headers: headersFor('pool', 'session'),
        body: calls.map((c, i) => ({
          jsonrpc: '2.0',
          id: `b${i}`,
          method: 'tools/call',
          params: { name: c.tool, arguments: c.args },
        })),
        leave,
        valid: true,
        audited: true,
        exactCalls: calls.length,
      }),
    );
  const hostileBatch = fc.record({ list: fc.array(msg, { maxLength: 12 }), s: session }).map(
    ({ list, s }): HttpPlan => ({
      kind: 'http',
      route: 'mcp-2025',
      method: 'POST',
      path: '/mcp',
      headers: headersFor(s, 'session'),
      body: list.map((m) => m.value),
      valid: false,
      audited: true,
      maxCalls: countCalls(list),
    }),
  );
  const initialize = fc
    .record({
      version: fc.constantFrom(...LEGACY_VERSIONS, '1999-01-01', 42),
      capabilities: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, deep, fc.constant('x')),
      an: anomalies,
    })
    .map(
      ({ version: v, capabilities, an }): HttpPlan => ({
        kind: 'http',
        route: 'mcp-2025',
        method: 'POST',
        path: '/mcp',
        headers: applyHeaders(
          {
            ...AUTH,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': typeof v === 'string' && v.startsWith('2025') ? v : '2025-03-26',
          },
          an,
        ),
        body: {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: v, capabilities, clientInfo: { name: 'attack', version: '1' } },
        },
        valid:
          typeof v === 'string' &&
          v.startsWith('2025') &&
          typeof capabilities === 'object' &&
          !('@@deep' in capabilities) &&
          an.length === 0,
        audited: true,
      }),
    );
  const getOrDelete = fc
    .record({ method: fc.constantFrom('GET', 'DELETE'), s: fc.constantFrom('other-user', 'bogus', 'none', 'pool') })
    .map(
      ({ method, s }): HttpPlan => ({
        kind: 'http',
        route: 'mcp-2025',
        method,
        path: '/mcp',
        // DELETE on the pool would end a session the rest of the run uses: only other sessions.
        headers: {
          ...headersFor(method === 'DELETE' && s === 'pool' ? 'bogus' : s, 'session'),
          accept: 'text/event-stream, application/json',
        },
        // A GET on a real session is a long-lived stream (with no first event before 2025-11-25): the
        // client takes the response head and leaves.
        leave: method === 'GET' && s === 'pool' ? 'headers' : undefined,
        valid: method === 'GET' && s === 'pool',
        audited: true,
      }),
    );
  return fc.oneof(
    { weight: 30, arbitrary: single },
    { weight: 3, arbitrary: validBatch },
    { weight: 2, arbitrary: hostileBatch },
    { weight: 3, arbitrary: initialize },
    { weight: 1, arbitrary: getOrDelete },
  );
}

/** POST /messages/ for the caller's real legacy /sse session (and for sessions that are not theirs). */
function messagesPlan(seed: number): fc.Arbitrary<HttpPlan> {
  const msg = messages(seed, 'sse');
  const a = argsFor(seed);
  const path = fc.oneof(
    { weight: 12, arbitrary: fc.constant('/messages/?sessionId=@@SSE@@') },
    { weight: 2, arbitrary: fc.constant('/messages?sessionId=@@SSE@@') },
    fc.constantFrom(
      '/messages/?sessionId=@@OTHERSSE@@',
      '/messages/',
      '/messages/?sessionId=nope',
      '/messages/?sessionId=%ZZ',
      '/messages/?sessionId=@@SSE@@&sessionId=x',
      '/messages/?sessionId=__proto__',
    ),
  );
  const validPath = (p: string) => p.endsWith('sessionId=@@SSE@@');
  const base = { ...AUTH, 'content-type': 'application/json' };
  const single = fc.record({ m: msg, p: path, an: anomalies }).map(
    ({ m, p, an }): HttpPlan => ({
      kind: 'http',
      route: 'messages',
      method: 'POST',
      path: p,
      headers: applyHeaders(base, an),
      body: m.value,
      valid: m.valid && validPath(p) && an.length === 0,
      audited: true,
    }),
  );
  const validBatch = fc.array(a.good, { minLength: 2, maxLength: 5 }).map(
    (calls): HttpPlan => ({
      kind: 'http',
      route: 'messages',
      method: 'POST',
      path: '/messages/?sessionId=@@SSE@@',
      headers: base,
      body: calls.map((c, i) => ({
        jsonrpc: '2.0',
        id: `l${i}`,
        method: 'tools/call',
        params: { name: c.tool, arguments: c.args },
      })),
      valid: true,
      audited: true,
      exactCalls: calls.length,
    }),
  );
  const hostileBatch = fc.array(msg, { maxLength: 10 }).map(
    (list): HttpPlan => ({
      kind: 'http',
      route: 'messages',
      method: 'POST',
      path: '/messages/?sessionId=@@SSE@@',
      headers: base,
      body: list.map((m) => m.value),
      valid: false,
      audited: true,
      maxCalls: countCalls(list),
    }),
  );
  const notJson = fc
    .constantFrom(
      '',
      'null',
      '"x"',
      '{',
      '{"jsonrpc":',
      '[',
      '[[[[',
      '{"a":1}{"b":2}',
      '\u0000',
      '{"jsonrpc":"2.0","id":1,"method":"ping"',
    )
    .map(
      (raw): HttpPlan => ({
        kind: 'http',
        route: 'messages',
        method: 'POST',
        path: '/messages/?sessionId=@@SSE@@',
        headers: base,
        body: { '@@raw': raw },
        valid: false,
        audited: true,
      }),
    );
  return fc.oneof(
    { weight: 30, arbitrary: single },
    { weight: 2, arbitrary: validBatch },
    { weight: 2, arbitrary: hostileBatch },
    { weight: 2, arbitrary: notJson },
  );
}

/** GET /sse: mostly refused (headers), sometimes a real stream the client leaves after its first bytes. */
function ssePlan(): fc.Arbitrary<HttpPlan> {
  const open = fc
    .record({
      an: anomalies,
      last: fc.constantFrom(null, null, null, 'x', '@@JWT@@', '@@OTHERSSE@@.c3Nl.000000000001'),
    })
    .map(({ an, last }): HttpPlan => {
      const headers: Record<string, string> = { ...AUTH, accept: 'text/event-stream' };
      if (last !== null) headers['last-event-id'] = last;
      return {
        kind: 'http',
        route: 'sse',
        method: 'GET',
        path: '/sse',
        headers: applyHeaders(headers, an),
        leave: 'first-chunk',
        valid: an.length === 0 && last === null,
        audited: true,
      };
    });
  const refused = fc.record({ an: fc.array(headerAnomaly, { minLength: 1, maxLength: 3 }) }).map(
    ({ an }): HttpPlan => ({
      kind: 'http',
      route: 'sse',
      method: 'GET',
      path: '/sse',
      headers: applyHeaders({ ...AUTH, accept: 'text/event-stream' }, [...an, ['authorization', 'Bearer garbage.x.y']]),
      leave: 'first-chunk',
      valid: false,
      audited: true,
    }),
  );
  return fc.oneof({ weight: 1, arbitrary: open }, { weight: 3, arbitrary: refused });
}

/** The Protected Resource Metadata (not audited: it is public and holds no caller data). */
function prmPlan(): fc.Arbitrary<HttpPlan> {
  return fc
    .record({
      path: fc.constantFrom(
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource/mcp?x=%ZZ',
        '/.well-known/oauth-protected-resource/%2e%2e/mcp',
        '/.well-known/oauth-protected-resource/__proto__',
        '/.well-known/oauth-protected-resource//mcp',
      ),
      method: fc.constantFrom('GET', 'GET', 'GET', 'OPTIONS'),
      an: anomalies,
    })
    .map(
      ({ path, method, an }): HttpPlan => ({
        kind: 'http',
        route: 'prm',
        method,
        path,
        headers: applyHeaders({}, an),
        valid: method === 'GET' && path === '/.well-known/oauth-protected-resource/mcp' && an.length === 0,
        audited: false,
      }),
    );
}

/** What no well-behaved client sends: truncated bodies, unparseable targets, garbage. */
export function rawPlan(): fc.Arbitrary<RawPlan> {
  const ua = 'User-Agent: attack-raw\r\n';
  const head = (line: string, extra = '') => `${line}\r\nHost: 127.0.0.1\r\n${ua}${extra}`;
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('/mcp', '/messages/?sessionId=x', '/sse', '/mcp?x=1').map(
        (p): RawPlan => ({
          kind: 'raw',
          name: `B1 truncated body on ${p}`,
          chunks: [
            head(`POST ${p} HTTP/1.1`, 'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n'),
            '{"jsonrpc":',
          ],
          close: true,
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constant<RawPlan>({
        kind: 'raw',
        name: 'B2 1 MB of a declared 2 MB body',
        chunks: [
          head('POST /mcp HTTP/1.1', 'Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n'),
          '@@BIG@@',
        ],
        close: true,
      }),
    },
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(
          'GET //[ HTTP/1.1',
          'POST http://[x/mcp HTTP/1.1',
          'GET //[/mcp HTTP/1.1',
          'GET http://[::1/sse HTTP/1.1',
          'POST //mcp HTTP/1.1',
          'GET //%5B HTTP/1.1',
          'GET http://a@b/mcp HTTP/1.1',
          'GET http://%/mcp HTTP/1.1',
          'OPTIONS * HTTP/1.1',
          'GET /%ZZ HTTP/1.1',
          'GET /sse/..%2f..%2fmcp HTTP/1.1',
          'POST /messages/?sessionId=%ZZ HTTP/1.1',
        )
        .map(
          (line): RawPlan => ({
            kind: 'raw',
            name: line,
            chunks: [head(line, line.startsWith('POST') ? 'Content-Length: 2\r\n\r\n{}' : '\r\n')],
            close: false,
          }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ',
          'POST /mcp HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
          'GET / HTTP/9.9\r\n\r\n',
          '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
          'GET /mcp HTTP/1.1\r\nHost: a b\r\nUser-Agent: attack-raw\r\n\r\n',
        )
        .map(
          (text): RawPlan => ({
            kind: 'raw',
            name: `garbage ${JSON.stringify(text.slice(0, 30))}`,
            chunks: [text],
            close: text.includes('X-Half'),
          }),
        ),
    },
  );
}

/** One request of the fuzz, weighted across routes and eras. */
export function planArbitrary(seed: number): fc.Arbitrary<Plan> {
  return fc.oneof(
    { weight: 34, arbitrary: modernPlan(seed) },
    { weight: 30, arbitrary: legacyPlan(seed) },
    { weight: 20, arbitrary: messagesPlan(seed) },
    { weight: 4, arbitrary: ssePlan() },
    { weight: 6, arbitrary: prmPlan() },
    { weight: 6, arbitrary: rawPlan() },
  );
}

/** Renders a body template to the exact bytes sent. */
export function renderBody(value: unknown, seed: number): string {
  if (Array.isArray(value)) return `[${value.map((v) => renderBody(v, seed)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['@@deep'] === 'number') {
      const n = o['@@deep'];
      return `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    }
    if (typeof o['@@huge'] === 'number') return JSON.stringify(`${sentinels(seed).arg}-${'x'.repeat(o['@@huge'])}`);
    if (typeof o['@@raw'] === 'string') return o['@@raw'];
    return `{${Object.entries(o)
      .map(([k, v]) => `${JSON.stringify(k)}:${renderBody(v, seed)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
