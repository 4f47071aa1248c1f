// Issue #18: the chain hashes a record's native JSON text when its keys already come in canonical order
// (span.ts builds them so) and reuses that text as the stdout line. These tests pin that the fast path
// hashes exactly canonicalJson, that what it writes verifies, and that every record of a span takes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
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

  it('a sealed line in canonical order is the canonical text with the hash appended', () => {
    const chain = createChain('s');
    const { record, line } = chain.seal({ a: 1, message: 'audit', prev: '', schema: 1, seq: 0, stream: '' });
    const { hash, ...rest } = record;
    expect(line).toBe(`${canonicalJson(rest).slice(0, -1)},"hash":"${hash}"}`);
    const second = chain.seal({ message: 'audit', schema: 1, z: 1, a: 2 }); // out of order: canonicalJson path
    expect(verifyChain([line, second.line])).toEqual({ ok: true, records: 2, streams: 1 });
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

  it('every record of a span (401, a call, a batch) is built in canonical key order: fast path, hash last', async () => {
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
      const { hash, ...rest } = records[i]!;
      expect(isSorted(Object.keys(rest))).toBe(true);
      expect(line).toBe(`${canonicalJson(rest).slice(0, -1)},"hash":"${hash}"}`);
      expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(records[i])));
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
