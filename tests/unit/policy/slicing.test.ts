// Each tool call is evaluated against only the policies whose scope admits its action, with only the attributes
// those policies read (lib/policy/reads.ts): that must never change a decision. The reference is Cedar itself,
// deciding the same request whole (every entity attribute, the whole context) against the whole policy set;
// generated requests (fast-check) and policies that read through entity literals, `has` paths, action lists and
// the era must get the same decision, the same determining policies and the same errors from both.
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cedar } from '../../../lib/policy/engine.ts';
import type { PreparedSet } from '../../../lib/policy/evaluate.ts';
import {
  type CompiledPolicies,
  compilePolicies,
  createPolicyEngine,
  loadCedar,
  type PolicyEngine,
  type PolicyRequest,
} from '../../../lib/policy/index.ts';
import { callableAtAll } from '../../../lib/policy/list.ts';
import { admitsTool, readsOf } from '../../../lib/policy/reads.ts';
import { callParts, policyContext } from '../../../lib/policy/request.ts';
import { readPolicySource } from '../../../scripts/policies.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const EXTRA = `
@id("literal-caller") @reason("blocked through a literal")
forbid (principal, action == Action::"echo", resource)
when { principal == Caller::"alice" && Caller::"alice".roles.contains("blocked") };

@id("action-list") @reason("untrusted client on a destructive tool")
forbid (principal, action in [Action::"whoami", Action::"transfer_demo"], resource)
when { resource.annotations has destructiveHint && resource.annotations.destructiveHint && principal.client_id == "untrusted" };

@id("legacy-admin") @reason("no admin over the 2025 era")
forbid (principal, action, resource) when { context.era == "2025" && resource.name == "admin_demo" };

@id("tenant-path") @reason("whoami needs a tenant")
forbid (principal, action == Action::"whoami", resource) unless { principal has claims.tenant };

@id("overflows") @reason("errors on the largest amounts")
forbid (principal, action == Action::"transfer_demo", resource)
when { context.args.amount > 1000000 && context.args.amount * 10000000000000 > 0 };
`;

let cedar: Cedar;
let compiled: CompiledPolicies;
let engine: PolicyEngine;

beforeAll(async () => {
  const examples = readPolicySource(ROOT, path.join(ROOT, 'policies', 'examples'))!;
  const source = { ...examples, files: [...examples.files, { name: 'extra.cedar', text: EXTRA }] };
  cedar = await loadCedar();
  compiled = compilePolicies(cedar, source);
  engine = await createPolicyEngine(source);
});

const TOOLS = [
  { name: 'transfer_demo', scopes: [], annotations: { destructiveHint: true } },
  { name: 'admin_demo', scopes: ['mcp:admin'] },
  { name: 'echo', scopes: [] },
  { name: 'whoami', scopes: [], annotations: { readOnlyHint: true } },
];

/** Cedar on the whole request and the whole set, reduced to what PolicyDecision reports. */
function reference(req: PolicyRequest) {
  const parts = callParts(req.caller, req.tool);
  const answer = cedar.isAuthorized({
    principal: parts.principal,
    action: parts.action,
    resource: parts.resource,
    context: policyContext(req) as never,
    entities: parts.entities as never,
    policies: { staticPolicies: compiled.policies },
  });
  if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length)
    return { decision: 'deny', policies: diagnostics.errors.map((e) => e.policyId).sort(), error: 'policy_error' };
  return { decision, policies: [...diagnostics.reason].sort() };
}

const requests = fc.record({
  caller: fc.record({
    subject: fc.constantFrom('alice', 'bob', 'carol'),
    clientId: fc.constantFrom('app', 'untrusted', undefined),
    scopes: fc.subarray(['mcp:tools', 'mcp:admin']),
    roles: fc.subarray(['blocked', 'ops']),
    claims: fc.record(
      { tenant: fc.constantFrom('acme', 'globex', 'x'), groups: fc.subarray(['finance-approver', 'staff']) },
      { requiredKeys: [] },
    ),
  }),
  tool: fc.constantFrom(...TOOLS),
  // spread: the arguments are plain objects, as JSON.parse makes them (fast-check's records are not)
  args: fc
    .record({ amount: fc.constantFrom(5, 10_000, 10_001, 1_000_001), tenant: fc.constantFrom('acme', 'globex') })
    .map((a) => ({ ...a })),
  era: fc.constantFrom('2026-07-28', '2025'),
  sourceIp: fc.constantFrom('203.0.113.9', '10.1.2.3', '127.0.0.1', ''),
  now: fc.constantFrom(new Date('2026-12-02T12:00:00Z'), new Date('2026-12-05T03:00:00Z')),
});

describe('slicing and trimming never change a decision', () => {
  it('the engine decides as Cedar does on the whole request against the whole set (generated requests)', () => {
    let denials = 0;
    let errors = 0;
    fc.assert(
      fc.property(requests, (req) => {
        const d = engine.decide(req as PolicyRequest);
        const want = reference(req as PolicyRequest);
        if (want.decision === 'deny') denials += 1;
        if (want.error) errors += 1;
        expect({
          decision: d.decision,
          policies: [...d.policies].sort(),
          ...(d.error ? { error: d.error } : {}),
        }).toEqual(want);
      }),
      { numRuns: 600, seed: 20261201 },
    );
    // the generated requests exercise both answers and the error path, or the comparison proves little
    expect(denials).toBeGreaterThan(50);
    expect(errors).toBeGreaterThan(0);
  });

  it('tools/list filtering (partial evaluation on the tool’s slice) answers as on the whole set', () => {
    const wholeSet: PreparedSet = {
      cedar,
      compiled,
      setId: 'unused',
      slice: () => ({ setId: 'unused', policies: compiled.policies }),
    };
    let hidden = 0;
    fc.assert(
      fc.property(requests, (req) => {
        const want = callableAtAll(wholeSet, req as PolicyRequest);
        if (!want) hidden += 1;
        expect(engine.callable(req as PolicyRequest)).toBe(want);
      }),
      { numRuns: 200, seed: 20261201 },
    );
    expect(hidden).toBeGreaterThan(10);
  });

  it('a policy reading the caller through an entity literal sees every attribute (no error, it denies)', () => {
    const d = engine.decide({
      caller: { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'], roles: ['blocked'], claims: {} },
      tool: TOOLS[2]!,
      args: {},
      era: '2026-07-28',
      sourceIp: '',
      now: new Date(),
    });
    expect(d).toEqual({ decision: 'deny', policies: ['literal-caller'], reason: 'blocked through a literal' });
  });
});

describe('reads.ts: what a policy reads and which actions it admits', () => {
  const json = (text: string) => {
    const r = cedar.policyToJson(text);
    if (r.type === 'failure') throw new Error(r.errors[0]?.message);
    return r.json;
  };

  it('collects top-level attributes per variable, `has` paths included', () => {
    const r = readsOf(
      json(
        'permit (principal, action, resource) when { principal has claims.tenant && context.args.amount > 1 && resource.name == "x" };',
      ),
    );
    expect([...r.principal]).toEqual(['claims']);
    expect([...r.context]).toEqual(['args']);
    expect([...r.resource]).toEqual(['name']);
    expect([...r.names].sort()).toEqual(['amount', 'args', 'claims', 'name', 'tenant']);
    expect(r.allEntities || r.allContext).toBe(false);
  });

  it('an attribute of an entity literal or a computed value keeps every entity attribute', () => {
    expect(readsOf(json('permit (principal, action, resource) when { Caller::"a".sub == "a" };')).allEntities).toBe(
      true,
    );
    expect(
      readsOf(json('permit (principal, action, resource) when { (if true then principal else principal).sub == "a" };'))
        .allEntities,
    ).toBe(true);
  });

  it('`context` used whole keeps the whole context', () => {
    const r = readsOf(json('permit (principal, action, resource) when { context == {} };'));
    expect(r.allContext).toBe(true);
  });

  it('admits a tool by ==, by `in` the tool or tools/call (alone or in a list), by an unscoped action; not others', () => {
    const scope = (text: string) => json(`permit (principal, ${text}, resource);`).action;
    expect(admitsTool(scope('action'), 'echo', 'tools/call')).toBe(true);
    expect(admitsTool(scope('action == Action::"echo"'), 'echo', 'tools/call')).toBe(true);
    expect(admitsTool(scope('action == Action::"whoami"'), 'echo', 'tools/call')).toBe(false);
    expect(admitsTool(scope('action in Action::"tools/call"'), 'echo', 'tools/call')).toBe(true);
    expect(admitsTool(scope('action in Action::"echo"'), 'echo', 'tools/call')).toBe(true);
    expect(admitsTool(scope('action in [Action::"whoami", Action::"echo"]'), 'echo', 'tools/call')).toBe(true);
    expect(admitsTool(scope('action in [Action::"whoami"]'), 'echo', 'tools/call')).toBe(false);
    expect(admitsTool(scope('action == Other::Action::"echo"'), 'echo', 'tools/call')).toBe(false);
  });
});
