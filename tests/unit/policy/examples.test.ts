// The example policies (policies/examples/) through the real Cedar engine: hostile arguments first. Each
// request is what the tool wrapper builds after the tool's schema validated the arguments, so the type
// confusion cases go through transfer_demo's real schema too.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPolicyEngine, type PolicyEngine, type PolicyRequest } from '../../../lib/policy/index.ts';
import { transferDemo } from '../../../lib/tools/demo.ts';
import { readPolicySource } from '../../../scripts/policies.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let engine: PolicyEngine;

beforeAll(async () => {
  const source = readPolicySource(ROOT, path.join(ROOT, 'policies', 'examples'));
  engine = await createPolicyEngine(source!);
});

const WEEKDAY_NOON = new Date('2026-12-02T12:00:00Z'); // a Wednesday
const alice = { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'], claims: { tenant: 'acme' } };
const transfer = { name: 'transfer_demo', scopes: [] };

function call(args: Record<string, unknown>, over: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    caller: alice,
    tool: transfer,
    args,
    era: '2026-07-28',
    sourceIp: '203.0.113.9',
    now: WEEKDAY_NOON,
    ...over,
  };
}

/** What the tool wrapper sees: the arguments after transfer_demo's schema, or undefined when it refuses them. */
function validated(args: unknown): Record<string, unknown> | undefined {
  const r = transferDemo.inputSchema.safeParse(args);
  return r.success ? r.data : undefined;
}

describe('example policies: hostile arguments are denied', () => {
  it('another tenant is denied with the author reason and the determining policy id', () => {
    const d = engine.decide(call({ amount: 5, tenant: 'globex' }));
    expect(d).toEqual({
      decision: 'deny',
      policies: ['own-tenant-only'],
      reason: 'transfers are limited to your own tenant',
    });
  });

  it('Unicode look-alikes and near-misses of the own tenant are other tenants', () => {
    for (const tenant of [
      'аcme', // Cyrillic а
      'ａｃｍｅ', // fullwidth
      'acme\u200b', // zero-width space
      'acme ', // trailing space
      'ACME',
      'acme\u0000',
      'a\u0301cme', // combining accent
    ]) {
      const args = validated({ amount: 5, tenant });
      expect(args, JSON.stringify(tenant)).toBeDefined();
      expect(engine.decide(call(args!)).policies, JSON.stringify(tenant)).toEqual(['own-tenant-only']);
    }
  });

  it('a tenant smuggled through nested objects or arrays never reaches the policy as the tenant', () => {
    // The schema strips unknown keys (nested copies) and refuses non-strings; what is left is judged as is.
    const nested = validated({ amount: 5, tenant: 'globex', meta: { tenant: 'acme' }, tenants: ['acme'] });
    expect(nested).toEqual({ amount: 5, tenant: 'globex' });
    expect(engine.decide(call(nested!)).decision).toBe('deny');
    expect(validated({ amount: 5, tenant: ['acme', 'globex'] })).toBeUndefined();
    expect(validated({ amount: 5, tenant: { toString: 'acme' } })).toBeUndefined();
    // Should arguments reach the engine unvalidated, a tenant of the wrong type is still no tenant match.
    expect(engine.decide(call({ amount: 5, tenant: ['acme'] })).decision).toBe('deny');
    expect(engine.decide(call({ amount: 5, tenant: { tenant: 'acme' } })).decision).toBe('deny');
  });

  it('Cedar JSON escapes in arguments (__entity, __extn) are refused, not interpreted: denied, fail closed', () => {
    for (const tenant of [
      { __entity: { type: 'Caller', id: 'alice' } },
      { __extn: { fn: 'ip', arg: '10.0.0.1' } },
      { __expr: 'true' },
    ]) {
      const d = engine.decide(call({ amount: 5, tenant }));
      expect(d).toMatchObject({ decision: 'deny', error: 'unrepresentable_argument' });
    }
  });

  it('type confusion: "10000" is refused by the schema; a string amount never compares as a number', () => {
    expect(validated({ amount: '10000', tenant: 'acme' })).toBeUndefined();
    expect(validated({ amount: 20000.5, tenant: 'acme' })).toBeUndefined();
    // Unvalidated: the string "20000" against `> 10000` is a type error in Cedar; errors deny.
    expect(engine.decide(call({ amount: '20000', tenant: 'acme' }))).toMatchObject({
      decision: 'deny',
      error: 'policy_error',
    });
  });

  it('numbers Cedar cannot hold exactly (fractions, beyond 2^53) and nulls deny instead of being rounded', () => {
    for (const amount of [10000.5, 2 ** 60, Number.NaN, null]) {
      expect(engine.decide(call({ amount, tenant: 'acme' }))).toMatchObject({ decision: 'deny' });
    }
  });

  it('arguments nested beyond the bound deny', () => {
    let deep: unknown = 'acme';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(engine.decide(call({ amount: 5, tenant: 'acme', x: deep }))).toMatchObject({ decision: 'deny' });
  });
});

describe('example policies: the amount limit needs a group, the huge one a scope', () => {
  it('10000 is allowed, 10001 needs finance-approver', () => {
    expect(engine.decide(call({ amount: 10000, tenant: 'acme' }))).toEqual({
      decision: 'allow',
      policies: ['permit-tools'],
    });
    expect(engine.decide(call({ amount: 10001, tenant: 'acme' }))).toMatchObject({
      decision: 'deny',
      policies: ['large-transfer-needs-approver'],
      reason: 'a transfer above 10000 needs the finance-approver group',
    });
    const approver = { ...alice, claims: { tenant: 'acme', groups: ['finance-approver'] } };
    expect(engine.decide(call({ amount: 10001, tenant: 'acme' }, { caller: approver })).decision).toBe('allow');
    // A look-alike group name is another group.
    const fake = { ...alice, claims: { tenant: 'acme', groups: ['finance-approver ', 'Finance-Approver'] } };
    expect(engine.decide(call({ amount: 10001, tenant: 'acme' }, { caller: fake })).decision).toBe('deny');
  });

  it('a deny that one more scope would turn names that scope (step-up); one that no scope turns names none', () => {
    const approver = { ...alice, claims: { tenant: 'acme', groups: ['finance-approver'] } };
    const candidates = ['mcp:tools', 'mcp:admin'];
    const huge = engine.decide(call({ amount: 2_000_000, tenant: 'acme' }, { caller: approver }), candidates);
    expect(huge).toMatchObject({
      decision: 'deny',
      policies: ['huge-transfer-needs-admin-scope'],
      stepUp: ['mcp:admin'],
    });
    const other = engine.decide(call({ amount: 2_000_000, tenant: 'globex' }, { caller: approver }), candidates);
    expect(other.decision).toBe('deny');
    expect(other.stepUp).toBeUndefined();
    const admin = { ...approver, scopes: ['mcp:tools', 'mcp:admin'] };
    expect(engine.decide(call({ amount: 2_000_000, tenant: 'acme' }, { caller: admin })).decision).toBe('allow');
  });
});

describe('example policies: time and source', () => {
  const admin = { name: 'admin_demo', scopes: ['mcp:admin'] };
  const at = (now: string, sourceIp: string) =>
    engine.decide(call({}, { tool: admin, now: new Date(now), sourceIp })).decision;

  it('admin_demo: weekdays 08-18 UTC from 10/8 or loopback only', () => {
    expect(at('2026-12-02T12:00:00Z', '10.1.2.3')).toBe('allow');
    expect(at('2026-12-02T12:00:00Z', '127.0.0.1')).toBe('allow');
    expect(at('2026-12-02T12:00:00Z', '203.0.113.9')).toBe('deny'); // outside the network
    expect(at('2026-12-02T18:00:00Z', '10.1.2.3')).toBe('deny'); // after hours
    expect(at('2026-12-02T07:59:59Z', '10.1.2.3')).toBe('deny');
    expect(at('2026-12-05T12:00:00Z', '10.1.2.3')).toBe('deny'); // Saturday
    expect(at('2026-12-02T12:00:00Z', '')).toBe('deny'); // unknown source: 0.0.0.0
    expect(at('2026-12-02T12:00:00Z', '10.0.0.1; 127.0.0.1')).toBe('deny'); // not an address
  });
});

describe('example policies: tools/list filtering (partial evaluation)', () => {
  const facts = { tool: transfer, era: '2026-07-28', sourceIp: '203.0.113.9' };
  it('a caller without a tenant claim can never transfer: hidden; one with a tenant may: listed', () => {
    expect(engine.callable({ ...facts, caller: alice })).toBe(true);
    expect(engine.callable({ ...facts, caller: { ...alice, claims: {} } })).toBe(false);
  });
  it('tools no policy narrows stay listed; a rule on the hour leaves admin_demo listed (it depends on time)', () => {
    expect(engine.callable({ ...facts, tool: { name: 'echo', scopes: [] }, caller: alice })).toBe(true);
    expect(engine.callable({ ...facts, tool: { name: 'admin_demo', scopes: [] }, caller: alice })).toBe(true);
  });
});
