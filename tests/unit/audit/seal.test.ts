// Issue #18: the chain hashes the native JSON text of a record's canonical view (build.ts canonicalView, keys
// in canonical order) instead of sorting the record with canonicalJson. These tests pin that this fast path
// hashes exactly canonicalJson, that what it writes verifies, and that every record of a span takes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { buildRecord, canonicalView, type OwnFields, type SharedFields } from '../../../lib/audit/build.ts';
import { canonicalJson, stringifiesCanonically } from '../../../lib/audit/canonical.ts';
import { createChain, hashRecord, verifyChain } from '../../../lib/audit/chain.ts';
import { type AuditRecord, isAuditRecord } from '../../../lib/audit/record.ts';
import { type AuditSink, stdoutSink } from '../../../lib/audit/sinks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { testContext } from '../../support/context.ts';

/** The same value with every object's keys in canonical order (integer-like keys still go first in JS). */
const sortedCopy = (v: unknown): unknown => JSON.parse(canonicalJson(v));
const isSorted = (keys: string[]) => keys.every((k, i) => i === 0 || keys[i - 1]! < k);

describe('stringifiesCanonically', () => {
  it('whenever it says yes, JSON.stringify is exactly canonicalJson (any JSON value, sorted or not)', () => {
    let yes = 0;
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (raw, sort) => {
        const v = sort ? sortedCopy(raw) : raw;
        if (!stringifiesCanonically(v)) return;
        yes += 1;
        expect(JSON.stringify(v)).toBe(canonicalJson(v));
      }),
      { numRuns: 1000 },
    );
    expect(yes).toBeGreaterThan(500); // the yes branch is what is under test
  });

  it('says no to what JSON.stringify would write differently', () => {
    expect(stringifiesCanonically({ b: 1, a: 2 })).toBe(false);
    expect(stringifiesCanonically({ 10: 'x', 9: 'y' })).toBe(false); // JS walks "9" before "10"
    expect(stringifiesCanonically({ a: Number.NaN })).toBe(false);
    expect(stringifiesCanonically({ a: new Date(0) })).toBe(false);
    expect(stringifiesCanonically({ a: { toJSON: () => 1 } })).toBe(false);
    expect(stringifiesCanonically({ a: 1n })).toBe(false);
    expect(stringifiesCanonically({ a: [1, { d: 1, c: 2 }] })).toBe(false);
    expect(stringifiesCanonically({ a: 1, b: [null, 'x', { c: undefined }], c: -0 })).toBe(true);
  });
});

describe('chain.seal', () => {
  it('links any JSON record (in canonical order or not) exactly as link() does, and its line is the record', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (body, sort) => {
        const plain = { body, message: 'audit', schema: 1 };
        const fresh = (sort ? sortedCopy(plain) : JSON.parse(JSON.stringify(plain))) as typeof plain;
        const a = createChain('s').link(JSON.parse(JSON.stringify(fresh)));
        const { record, line } = createChain('s').seal(fresh);
        expect(record.hash).toBe(a.hash);
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(a)));
        expect(hashRecord(JSON.parse(line))).toBe(record.hash);
      }),
      { numRuns: 500 },
    );
  });

  it('the view of any record buildRecord makes hashes exactly canonicalJson, and the chain verifies', () => {
    const text = fc.option(fc.string(), { nil: undefined });
    const num = fc.option(fc.integer(), { nil: undefined });
    const shared = fc.record({
      coldStart: fc.boolean(),
      era: fc.constantFrom(undefined, '2025' as const, '2026-07-28' as const),
      functionName: fc.string(),
      functionVersion: fc.string(),
      httpMethod: fc.string(),
      path: fc.string(),
      principal: fc.option(
        fc.record(
          { sub: fc.string(), clientId: fc.string(), scopes: fc.array(fc.string()), jti: fc.string() },
          { requiredKeys: ['sub', 'scopes'] },
        ),
        { nil: undefined },
      ),
      protocolVersion: text,
      requestId: fc.string(),
      service: fc.string(),
      sessionId: text,
      sourceIp: text,
      timestamp: fc.string(),
      traceId: text,
      userAgent: text,
      xrayTraceId: text,
    });
    const own = fc.record({
      args: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
      argsBytes: num,
      argsDigest: text,
      bytesOut: num,
      chunksOut: num,
      decision: fc.constantFrom(undefined, 'allow' as const, 'deny' as const),
      durationMs: fc.integer(),
      error: text,
      httpStatus: num,
      kind: fc.constantFrom('request' as const, 'tool_call' as const),
      level: fc.constantFrom('INFO' as const, 'WARN' as const, 'ERROR' as const),
      method: text,
      outcome: fc.constantFrom('ok' as const, 'denied' as const),
      policies: fc.option(fc.array(fc.string()), { nil: undefined }),
      rpcErrorCode: num,
      rpcId: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined)),
      tool: text,
    });
    let fast = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(shared, own), { minLength: 1, maxLength: 4 }), (list) => {
        const chain = createChain('p');
        const lines: string[] = [];
        for (const [s, o] of list) {
          const sealed = chain.seal(buildRecord(s as SharedFields, o as OwnFields), canonicalView);
          const { hash, ...rest } = sealed.record;
          expect(sealed.line).toBe(JSON.stringify(sealed.record));
          expect(hash).toBe(hashRecord(JSON.parse(sealed.line)));
          if (sealed.viaView) fast += 1;
          else expect(stringifiesCanonically(canonicalView(rest))).toBe(false); // only unsorted args miss it
          lines.push(sealed.line);
        }
        expect(verifyChain(lines)).toMatchObject({ ok: true, records: list.length });
      }),
      { numRuns: 300 },
    );
    expect(fast).toBeGreaterThan(100);
  });

  it('a record with a key the view does not carry is hashed by canonicalJson (never a partial hash)', () => {
    const s = { timestamp: 't', service: 's', requestId: 'r' } as SharedFields;
    const record = { ...buildRecord(s, { kind: 'request', level: 'INFO', outcome: 'ok', durationMs: 1 }), extra: 1 };
    const sealed = createChain('s').seal(record, canonicalView);
    expect(sealed.viaView).toBe(false);
    expect(hashRecord(JSON.parse(sealed.line))).toBe(sealed.record.hash);
  });
});

describe('span records', () => {
  const cfg = loadConfig({ AUTH_DISABLED: 'true', AUDIT_ARGS_ALLOWLIST: 'echo:zeta,echo:alpha' });
  const run = async (handler: Parameters<typeof withAudit>[0], path = '/mcp') => {
    const records: AuditRecord[] = [];
    const lines: string[] = [];
    const sinks: AuditSink[] = [
      { name: 'memory', write: (r) => void records.push(r) },
      stdoutSink((l) => lines.push(l.trimEnd())),
    ];
    const res = await withAudit(handler, createAuditor(cfg, { sinks, stream: 'x' }))(
      new Request(`http://127.0.0.1:3000${path}`, { method: 'POST', headers: { 'user-agent': 'ua' } }),
      testContext({ sourceIp: '203.0.113.9' }),
    );
    await res.text();
    return { records, lines };
  };

  it('every record of a span (401, a call, a batch) takes the fast path; its line is the record as JSON', async () => {
    const { auditSpanOf } = await import('../../../lib/audit/auditor.ts');
    const denied = await run(async () => new Response('no', { status: 401 }));
    const call = await run(async (request) => {
      const span = auditSpanOf(request)!;
      span.setPrincipal({ subject: 'dev', clientId: 'c', scopes: ['mcp:tools'], jti: 'j' });
      span.setRpc({ era: '2026-07-28', protocolVersion: '2026-07-28', method: 'tools/call', rpcId: 1, tool: 'x' });
      span.setRpc({ args: { b: 1, a: [1, 2] } });
      return new Response('ok');
    });
    const batch = await run(async (request) => {
      const span = auditSpanOf(request)!;
      span.expectCalls([
        { tool: 'x', rpcId: 1, args: {} },
        { tool: 'y', rpcId: 'two' },
      ]);
      span.settle(1, { outcome: 'ok', durationMs: 1, decision: 'allow', policies: ['p'] });
      return new Response('[]');
    });
    const all = [...denied.lines, ...call.lines, ...batch.lines];
    const records = [...denied.records, ...call.records, ...batch.records];
    expect(all).toHaveLength(5);
    for (const [i, line] of all.entries()) {
      const { hash: _hash, ...rest } = records[i]!;
      const view = canonicalView(rest);
      expect(isSorted(Object.keys(view!))).toBe(true);
      expect(stringifiesCanonically(view)).toBe(true);
      expect(JSON.stringify(view)).toBe(canonicalJson(rest));
      expect(line).toBe(JSON.stringify(records[i]));
      expect(Object.keys(JSON.parse(line)).slice(0, 2)).toEqual(['level', 'message']); // the line format
    }
    expect(verifyChain(denied.lines)).toMatchObject({ ok: true });
    expect(verifyChain(batch.lines)).toMatchObject({ ok: true, records: 3 });
  });

  it('allow-listed arguments in any key order still verify (canonicalJson path)', async () => {
    const { auditSpanOf } = await import('../../../lib/audit/auditor.ts');
    const { records, lines } = await run(async (request) => {
      auditSpanOf(request)!.setRpc({
        method: 'tools/call',
        rpcId: 1,
        tool: 'echo',
        args: { zeta: { y: 1, x: 2 }, alpha: 1 },
      });
      return new Response('ok');
    });
    expect(records[0]!.args).toEqual({ alpha: 1, zeta: { x: 2, y: 1 } });
    expect(verifyChain(lines)).toEqual({ ok: true, records: 1, streams: 1 });
    expect(lines.map((l) => isAuditRecord(JSON.parse(l)))).toEqual([true]);
  });

  it('every field caller input can reach is still redacted (in place, before hashing), in a call and a batch', async () => {
    const { auditSpanOf } = await import('../../../lib/audit/auditor.ts');
    const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = `${b64u({ alg: 'RS256' })}.${b64u({ sub: 'victim' })}.c2lnbmF0dXJlc2ln`;
    const bearer = `Bearer ${jwt.slice(0, 20)}x`;
    const hostile = async (batch: boolean) => {
      const records: AuditRecord[] = [];
      const lines: string[] = [];
      const auditor = createAuditor(cfg, {
        sinks: [{ name: 'memory', write: (r) => void records.push(r) }, stdoutSink((l) => lines.push(l.trimEnd()))],
        stream: 'h',
      });
      const res = await withAudit(async (request) => {
        const span = auditSpanOf(request)!;
        span.setPrincipal({ subject: jwt, clientId: bearer, scopes: [jwt], jti: jwt });
        span.setRpc({ era: '2025', protocolVersion: jwt, method: bearer, rpcId: jwt, tool: 'echo', sessionId: jwt });
        span.setRpc({ args: { alpha: { authorization: 'x', note: bearer, [jwt]: 1 }, zeta: jwt } });
        if (batch)
          span.expectCalls([
            { tool: jwt, rpcId: jwt, args: { alpha: jwt } },
            { tool: 'echo', rpcId: 2 },
          ]);
        span.setOutcome('error', { error: new Error(`failed for ${bearer} ${jwt}`) });
        return new Response('x', { status: 500 });
      }, auditor)(
        new Request(`http://127.0.0.1:3000/mcp/${jwt}`, { method: 'POST', headers: { 'user-agent': `ua ${jwt}` } }),
        testContext({ sourceIp: jwt }),
      );
      await res.text();
      return { records, lines };
    };
    for (const batch of [false, true]) {
      const { records, lines } = await hostile(batch);
      expect(records).toHaveLength(batch ? 3 : 1);
      const text = `${lines.join('\n')}\n${JSON.stringify(records)}`;
      expect(text).not.toContain('eyJ');
      expect(text).not.toContain(jwt.slice(0, 20));
      expect(text).toContain('[REDACTED]');
      const request = records.at(-1)!;
      expect(request.principal).toEqual({
        clientId: 'Bearer [REDACTED]',
        jti: '[REDACTED]:jwt',
        scopes: ['[REDACTED]:jwt'],
        sub: '[REDACTED]:jwt',
      });
      expect(request.args).toEqual({
        alpha: { authorization: '[REDACTED]', note: 'Bearer [REDACTED]', '[REDACTED]:jwt': 1 },
        zeta: '[REDACTED]:jwt',
      });
      expect([request.path, request.userAgent, request.sourceIp, request.sessionId, request.rpcId]).toEqual([
        '/mcp/[REDACTED]:jwt',
        'ua [REDACTED]:jwt',
        '[REDACTED]:jwt',
        '[REDACTED]:jwt',
        '[REDACTED]:jwt',
      ]);
      expect(verifyChain(lines)).toMatchObject({ ok: true });
    }
  });
});
