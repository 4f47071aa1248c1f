// The span's rules that the HTTP-level tests reach only through a host: records wait for held work,
// are bounded by the deadline, merge a tool's own report with the answer the server sent, keep no
// caller text from an error, and never look a caller's key up on Object.prototype.
import { describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { allowListedArgs, allowListMap, errorClass } from '../../../lib/audit/facts.ts';
import type { AuditRecord } from '../../../lib/audit/record.ts';
import { redactValue } from '../../../lib/audit/redact.ts';
import { HOLD_MARGIN_MS, mergeResults } from '../../../lib/audit/span.ts';
import { loadConfig } from '../../../lib/config.ts';
import { testContext } from '../../support/context.ts';

const PROTO_KEYS = ['constructor', 'hasOwnProperty', 'isPrototypeOf', '__lookupGetter__', '__proto__', 'toString'];

function setup(env: Record<string, string> = {}) {
  const records: AuditRecord[] = [];
  const cfg = loadConfig({ AUTH_DISABLED: 'true', ...env });
  const auditor = createAuditor(cfg, { sinks: [{ name: 'memory', write: (r) => void records.push(r) }] });
  return { records, auditor };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('held work', () => {
  it('a 202 whose work runs after the response is recorded when the work settles, with the outcome it found', async () => {
    const { records, auditor } = setup();
    const work = deferred();
    const registered: Array<Promise<unknown>> = [];
    const ctx = testContext({ waitUntil: (w) => void registered.push(typeof w === 'function' ? w() : w) });
    const handler = withAudit(async (_request, c) => {
      c.waitUntil(work.promise);
      return new Response('Accepted', { status: 202 });
    }, auditor);
    const res = await handler(new Request('http://127.0.0.1/messages/', { method: 'POST' }), ctx);
    expect(await res.text()).toBe('Accepted');
    expect(records).toHaveLength(0); // the response ended, the work has not
    work.resolve();
    await Promise.all(registered);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'ok', httpStatus: 202 });
  });

  it('a call that settles while held decides the outcome; a rejected work still releases the record', async () => {
    const { records, auditor } = setup();
    const span = auditor.begin(new Request('http://127.0.0.1/messages/'), testContext());
    span.setRpc({ era: 'legacy-sse', method: 'tools/call', rpcId: 7, tool: 'fail_demo', args: {} });
    span.expectCalls([{ tool: 'fail_demo', rpcId: 7, args: {} }]);
    const failing = Promise.reject(new Error('processing failed'));
    const released = span.hold(failing);
    span.end(new Response(null, { status: 202 }));
    expect(records).toHaveLength(0);
    span.settle(7, { outcome: 'tool_error', error: 'Error' });
    await released;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'tool_error', httpStatus: 202, error: 'Error', tool: 'fail_demo' });
    span.settle(7, { outcome: 'ok' }); // after the record: ignored
    expect(span.closed).toBe(true);
  });

  it('held work that outlives the deadline does not hold the record back: it is written as timeout before it', async () => {
    const { records, auditor } = setup();
    const span = auditor.begin(
      new Request('http://127.0.0.1/messages/'),
      testContext({ deadline: Date.now() + HOLD_MARGIN_MS + 100 }),
    );
    void span.hold(new Promise(() => {})); // never settles
    span.end(new Response(null, { status: 202 }));
    expect(records).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'timeout', httpStatus: 202, level: 'ERROR' });
  });

  it('a batch: every expected call gets a record; one without an answer shares the request outcome', async () => {
    const { records, auditor } = setup();
    const span = auditor.begin(new Request('http://127.0.0.1/mcp'), testContext());
    span.expectCalls([
      { tool: 'echo', rpcId: 1, args: { text: 'a' } },
      { tool: 'echo', rpcId: '1', args: { text: 'b' } },
      { tool: 'stream_demo', rpcId: 3, args: {} },
    ]);
    span.settle(1, { outcome: 'ok', durationMs: 5 });
    span.settle('1', { outcome: 'rpc_error', rpcErrorCode: -32602 });
    span.end({ status: 200, interrupted: 'timeout' });
    expect(records.map((r) => [r.kind, r.rpcId, r.outcome, r.rpcErrorCode])).toEqual([
      ['tool_call', 1, 'ok', undefined],
      ['tool_call', '1', 'rpc_error', -32602],
      ['tool_call', 3, 'timeout', undefined],
      ['request', undefined, 'timeout', undefined],
    ]);
  });
});

describe('reports on one call', () => {
  it('a specific outcome beats ok, whichever came first; fields fill in from the other report', () => {
    expect(mergeResults({ outcome: 'ok', durationMs: 4 }, { outcome: 'rpc_error', rpcErrorCode: -32602 })).toEqual({
      outcome: 'rpc_error',
      rpcErrorCode: -32602,
      error: undefined,
      durationMs: 4,
    });
    expect(
      mergeResults({ outcome: 'tool_error', error: 'TypeError', durationMs: 9 }, { outcome: 'tool_error' }),
    ).toEqual({ outcome: 'tool_error', rpcErrorCode: undefined, error: 'TypeError', durationMs: 9 });
    expect(mergeResults({ outcome: 'aborted' }, { outcome: 'ok' }).outcome).toBe('aborted');
  });

  it('errorClass keeps the class name and nothing a caller could have written', () => {
    expect(errorClass(new Error('RAWERR caller text'))).toBe('Error');
    expect(errorClass(new TypeError('x'))).toBe('TypeError');
    const named = new Error('x');
    named.name = 'name with RAWERR caller text';
    expect(errorClass(named)).toBe('Error');
    expect(errorClass('RAWERR thrown string')).toBe('string');
    expect(errorClass(null)).toBe('null');
  });
});

describe('prototype-safe lookups', () => {
  it('allowListedArgs: a tool named after an Object.prototype key has no allow list', () => {
    const list = allowListMap({ echo: ['text'] });
    for (const tool of PROTO_KEYS) expect(allowListedArgs(list, tool, { text: 'x' }), tool).toBeUndefined();
    expect(allowListedArgs(list, 'echo', { text: 'x', other: 'y' })).toEqual({ text: 'x' });
  });

  it('an allow-listed "__proto__" field is copied as a field, not as a prototype', () => {
    const list = allowListMap({ echo: ['__proto__'] });
    const args = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = allowListedArgs(list, 'echo', args)!;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('redactValue keeps a "__proto__" key as data', () => {
    const out = redactValue(JSON.parse('{"a": {"__proto__": {"x": 1}}}')) as { a: object };
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"a":{"__proto__":{"x":1}}}');
  });

  it('a record for each tool named after a prototype key, with args allow-listed for a real tool only', async () => {
    const { records, auditor } = setup({ AUDIT_ARGS_ALLOWLIST: 'echo:text' });
    for (const tool of PROTO_KEYS) {
      const span = auditor.begin(new Request('http://127.0.0.1/mcp'), testContext());
      span.setRpc({ era: '2026-07-28', method: 'tools/call', rpcId: 1, tool, args: { text: 'secret' } });
      span.end({ status: 200 });
    }
    expect(records.map((r) => r.tool)).toEqual(PROTO_KEYS);
    expect(records.every((r) => r.args === undefined)).toBe(true);
  });
});
