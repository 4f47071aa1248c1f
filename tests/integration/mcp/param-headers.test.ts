// SEP-2243 custom headers on every front: a tool's `x-mcp-header` parameters travel in `Mcp-Param-<Name>`
// headers too, and a 2026-07-28 tools/call whose headers disagree with its arguments (missing, different,
// repeated, not Base64 where they must be) gets 400 with JSON-RPC -32020 (HeaderMismatch) before the tool
// runs. The check is the SDK's (createMcpHandler's pre-dispatch rung, fed by the tool's JSON Schema as
// lib/mcp registers it); these cases pin it through the built bundle on the Function URL (2.0), API Gateway
// REST (1.0) and ALB fronts, including Lambda's folding of repeated headers into one comma-joined value.
// The tool is the conformance fixture `test_custom_headers` (CONFORMANCE_FIXTURES=true). Only AWS itself is
// simulated: the events and the runtime response stream (tests/support/lambda.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import {
  albEvent,
  type EventInit,
  functionUrlEvent,
  lambdaContext,
  recordingStream,
  restEvent,
} from '../../support/lambda.ts';

type AnyHandler = (event: unknown, streamOrContext: unknown, context?: Context) => Promise<unknown>;
type Event = { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> };

const PUBLIC_URL = 'http://127.0.0.1:3000/mcp';
const HEADER_MISMATCH = -32020;
let issuer: TestIssuer;
let token: string;
const handlers: Record<'stream' | 'buffered', AnyHandler> = {} as never;
/** Every JSON line the bundle writes to stdout or stderr (operational logs, audit): none may quote a tool argument. */
const logLines: string[] = [];
/** An argument value only the mismatch cases send; it must reach no log line. */
const SENTINEL = 'sentinel-arg-7f3a9c';

beforeAll(async () => {
  for (const out of [process.stdout, process.stderr]) {
    const write = out.write.bind(out);
    vi.spyOn(out, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{')) {
        logLines.push(...text.split('\n').filter(Boolean));
        return true;
      }
      return write(chunk, ...(rest as []));
    });
  }
  issuer = await startTestIssuer();
  process.env.AUTH_ISSUER = issuer.issuer;
  process.env.MCP_PUBLIC_URL = PUBLIC_URL;
  process.env.CONFORMANCE_FIXTURES = 'true';
  process.env.AUDIT_SINK = 'stdout';
  for (const mode of ['stream', 'buffered'] as const) {
    process.env.RESPONSE_MODE = mode;
    const url = pathToFileURL(path.resolve('dist/mcp/index.mjs')).href;
    handlers[mode] = (await import(`${url}?param-headers-${mode}`)).handler;
  }
  token = await issuer.token({ audience: PUBLIC_URL, scope: 'mcp:tools' });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await issuer?.stop();
});

interface Front {
  name: string;
  mode: 'stream' | 'buffered';
  event: (init: EventInit) => unknown;
  /** Host and scheme as this front delivers them, for the public URL the bundle serves. */
  base: Record<string, string>;
  /** Sets one header to several values the way this front delivers repeats. */
  repeat: (event: Event, name: string, values: string[]) => void;
}

const FRONTS: Front[] = [
  {
    name: 'Function URL (2.0) streamed',
    mode: 'stream',
    // Function URLs deliver header names lower-cased.
    event: (i) =>
      functionUrlEvent({
        ...i,
        headers: Object.fromEntries(Object.entries(i.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      }),
    base: {},
    // and join repeats with a comma.
    repeat: (e, name, values) => {
      e.headers![name.toLowerCase()] = values.join(',');
    },
  },
  {
    name: 'API Gateway REST (1.0) buffered',
    mode: 'buffered',
    event: restEvent,
    base: { Host: '127.0.0.1:3000', 'X-Forwarded-Proto': 'http' },
    // REST keeps the client's case; the single-value map keeps the last value, the multi-value map all.
    repeat: (e, name, values) => {
      e.headers![name] = values.at(-1)!;
      e.multiValueHeaders![name] = values;
    },
  },
  {
    name: 'ALB (multi-value headers) buffered',
    mode: 'buffered',
    event: (i) => albEvent({ ...i, multiValue: true }),
    base: { host: '127.0.0.1:3000', 'x-forwarded-proto': 'http' },
    repeat: (e, name, values) => {
      e.multiValueHeaders![name.toLowerCase()] = values;
    },
  },
];

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'param-headers-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let nextId = 1;

function call(front: Front, args: Record<string, unknown>, headers: Record<string, string>): Event {
  return front.event({
    method: 'POST',
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: { name: 'test_custom_headers', arguments: args, _meta: META },
    }),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'test_custom_headers',
      authorization: `Bearer ${token}`,
      ...front.base,
      ...headers,
    },
  }) as Event;
}

interface Answer {
  status: number | undefined;
  rpc: { result?: { content?: Array<{ text: string }>; isError?: boolean }; error?: { code: number } };
}

/** The JSON-RPC answer, whether sent as JSON or as one SSE message. */
function rpcOf(body: string): Answer['rpc'] {
  const data = body
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter(Boolean);
  return JSON.parse(data.length ? data.at(-1)! : body);
}

async function invoke(front: Front, event: Event): Promise<Answer> {
  const context = lambdaContext(30_000, 'ParamHeaders');
  const handler = handlers[front.mode];
  if (front.mode === 'stream') {
    const rec = recordingStream();
    await handler(event, rec.stream, context);
    const d = rec.decode();
    return { status: d.prelude?.statusCode, rpc: rpcOf(d.body) };
  }
  const r = (await handler(event, context)) as { statusCode: number; body: string; isBase64Encoded: boolean };
  const body = r.isBase64Encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
  return { status: r.statusCode, rpc: rpcOf(body) };
}

async function expectMismatch(front: Front, event: Event) {
  const a = await invoke(front, event);
  expect(a.status).toBe(400);
  expect(a.rpc.error?.code).toBe(HEADER_MISMATCH);
  expect(a.rpc.result).toBeUndefined();
}

async function expectServed(front: Front, event: Event, args: Record<string, unknown>) {
  const a = await invoke(front, event);
  expect(a.status).toBe(200);
  expect(a.rpc.error).toBeUndefined();
  expect(a.rpc.result?.isError).toBeFalsy();
  expect(a.rpc.result?.content?.[0]?.text).toBe(`Received: ${JSON.stringify(args)}`);
}

const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

describe.each(FRONTS)('Mcp-Param-* headers on $name', (front) => {
  // Hostile cases first.
  it('refuses a tools/call whose body carries an x-mcp-header argument without its header', async () => {
    await expectMismatch(front, call(front, { region: 'us-east-1' }, {}));
  });

  it('refuses a header that disagrees with the body, and logs neither value', async () => {
    const before = logLines.length;
    await expectMismatch(front, call(front, { region: SENTINEL }, { 'Mcp-Param-Region': `${SENTINEL}-x` }));
    await expectMismatch(front, call(front, { region: SENTINEL }, {}));
    const lines = logLines.slice(before);
    const audit = lines.filter((l) => l.includes('"message":"audit"')).map((l) => JSON.parse(l));
    expect(audit).toHaveLength(2);
    for (const r of audit) expect(r).toMatchObject({ outcome: 'bad_request', httpStatus: 400, method: 'tools/call' });
    expect(lines.some((l) => l.includes('Rejected inbound request (param-header-'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(SENTINEL);
  });

  it('refuses a header that disagrees with the body, and one that differs only in case', async () => {
    await expectMismatch(front, call(front, { region: 'us-east-1' }, { 'Mcp-Param-Region': 'eu-west-1' }));
    await expectMismatch(front, call(front, { region: 'us-east-1' }, { 'Mcp-Param-Region': 'US-EAST-1' }));
  });

  it('refuses a repeated header even when every copy matches (the front folds them into one value)', async () => {
    const same = call(front, { region: 'us-east-1' }, {});
    front.repeat(same, 'Mcp-Param-Region', ['us-east-1', 'us-east-1']);
    await expectMismatch(front, same);
    const smuggled = call(front, { region: 'us-east-1' }, {});
    front.repeat(smuggled, 'Mcp-Param-Region', ['eu-west-1', 'us-east-1']);
    await expectMismatch(front, smuggled);
  });

  it('refuses non-ASCII sent raw (it must be Base64), whatever the front makes of the bytes, and malformed Base64', async () => {
    await expectMismatch(front, call(front, { region: 'Zürich' }, { 'Mcp-Param-Region': 'Zürich' }));
    await expectMismatch(front, call(front, { region: '東京' }, { 'Mcp-Param-Region': '東京' }));
    const utf8AsLatin1 = Buffer.from('Zürich', 'utf8').toString('latin1');
    await expectMismatch(front, call(front, { region: 'Zürich' }, { 'Mcp-Param-Region': utf8AsLatin1 }));
    await expectMismatch(front, call(front, { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVsbG8?=' }));
    await expectMismatch(front, call(front, { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVs!!!bG8=?=' }));
  });

  it('refuses edge whitespace sent raw (HTTP strips it, so it must be Base64)', async () => {
    await expectMismatch(front, call(front, { region: ' padded ' }, { 'Mcp-Param-Region': ' padded ' }));
  });

  it('compares integers and booleans by their wire form: 7 is "7", true is "true" (not "TRUE" or "1")', async () => {
    const args = { region: 'r', priority: 7, verbose: true };
    const ok = { 'Mcp-Param-Region': 'r', 'Mcp-Param-Priority': '7', 'Mcp-Param-Verbose': 'true' };
    await expectServed(front, call(front, args, ok), args);
    await expectMismatch(front, call(front, args, { ...ok, 'Mcp-Param-Priority': '8' }));
    await expectMismatch(front, call(front, args, { ...ok, 'Mcp-Param-Priority': '0x7' }));
    await expectMismatch(front, call(front, args, { ...ok, 'Mcp-Param-Verbose': 'TRUE' }));
    await expectMismatch(front, call(front, args, { ...ok, 'Mcp-Param-Verbose': '1' }));
    await expectMismatch(front, call(front, args, { 'Mcp-Param-Region': 'r', 'Mcp-Param-Verbose': 'true' }));
  });

  it('a number given as a string matches its header but is still refused by the schema', async () => {
    const a = await invoke(
      front,
      call(front, { region: 'r', priority: '7' }, { 'Mcp-Param-Region': 'r', 'Mcp-Param-Priority': '7' }),
    );
    expect(a.rpc.result?.content?.[0]?.text ?? '').not.toContain('Received');
    expect(a.rpc.error?.code ?? (a.rpc.result?.isError ? 'isError' : undefined)).toBeDefined();
  });

  it('a prototype key in the body is just a key: region hidden under __proto__ is no region (schema refuses)', async () => {
    const event = call(front, {}, { 'Mcp-Param-Region': 'r' });
    const body = JSON.parse(String((event as { body: string }).body));
    // JSON.parse makes __proto__ an own property; it must not lend `region` to the arguments.
    (event as { body: string }).body = JSON.stringify(body).replace(
      '"arguments":{}',
      '"arguments":{"__proto__":{"region":"r"},"constructor":{"region":"r"}}',
    );
    const a = await invoke(front, event);
    expect(a.rpc.result?.content?.[0]?.text ?? '').not.toContain('Received');
    expect(a.rpc.error?.code ?? (a.rpc.result?.isError ? 'isError' : undefined)).toBeDefined();
  });

  it('a boolean given as a string matches its header but is still refused by the schema', async () => {
    const a = await invoke(
      front,
      call(front, { region: 'r', verbose: 'true' }, { 'Mcp-Param-Region': 'r', 'Mcp-Param-Verbose': 'true' }),
    );
    expect(a.rpc.result?.content?.[0]?.text ?? '').not.toContain('Received');
    expect(a.rpc.error?.code ?? (a.rpc.result?.isError ? 'isError' : undefined)).toBeDefined();
  });

  it('ignores prototype-named headers and keys: they are just unknown headers', async () => {
    const args = { region: 'r' };
    await expectServed(
      front,
      call(front, args, {
        'Mcp-Param-Region': 'r',
        'Mcp-Param-__proto__': 'x',
        'Mcp-Param-constructor': 'x',
        'Mcp-Param-toString': 'x',
      }),
      args,
    );
  });

  // What must go through.
  it('accepts matching headers whatever the case of their names', async () => {
    const args = { region: 'us-east-1' };
    await expectServed(front, call(front, args, { 'Mcp-Param-Region': 'us-east-1' }), args);
    await expectServed(front, call(front, args, { 'mcp-param-region': 'us-east-1' }), args);
    await expectServed(front, call(front, args, { 'MCP-PARAM-REGION': 'us-east-1' }), args);
  });

  it('decodes Base64 values (non-ASCII, edge whitespace) and takes an unwrapped one literally', async () => {
    for (const region of ['Zürich', ' padded ', '東京']) {
      await expectServed(front, call(front, { region }, { 'Mcp-Param-Region': b64(region) }), { region });
    }
    const literal = Buffer.from('Hello').toString('base64');
    await expectServed(front, call(front, { region: literal }, { 'Mcp-Param-Region': literal }), { region: literal });
  });

  it('expects no header for an argument the body leaves out (a stray one is ignored)', async () => {
    const args = { region: 'r' };
    await expectServed(front, call(front, args, { 'Mcp-Param-Region': 'r', 'Mcp-Param-Priority': '3' }), args);
  });
});
