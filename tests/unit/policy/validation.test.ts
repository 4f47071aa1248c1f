// Build-time validation (Cedar's validator, strict) and fail-closed evaluation, with the real engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createPolicyEngine, loadCedar, PolicyError, type PolicySource } from '../../../lib/policy/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SCHEMA = readFileSync(path.join(ROOT, 'policies', 'schema.cedarschema'), 'utf8');
const PERMIT = '@id("all") permit (principal, action in Action::"tools/call", resource);';
const src = (text: string, schema = SCHEMA): PolicySource => ({ schema, files: [{ name: 'p.cedar', text }] });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function refusal(source: PolicySource): Promise<PolicyError> {
  const err = await createPolicyEngine(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyError);
  return err as PolicyError;
}

describe('policy validation (what npm run build runs)', () => {
  it('a syntax error names the file and Cedar parser message', async () => {
    const err = await refusal(src('permit (principal, action, resource) when { context.args.amount > };'));
    expect(err.code).toBe('invalid_policy');
    expect(err.message).toMatch(/^p\.cedar: /);
    expect(err.message).toMatch(/unexpected token|expected/i);
  });

  it('an attribute the schema does not declare is the validator message, with the policy id', async () => {
    const err = await refusal(
      src(
        '@id("typo") forbid (principal, action == Action::"transfer_demo", resource) when { context.args.amont > 1 };',
      ),
    );
    expect(err.code).toBe('invalid_policy');
    expect(err.message).toContain('policy "typo"');
    expect(err.message).toContain('amont');
  });

  it('comparing a string argument with a number fails validation (type confusion caught at build time)', async () => {
    const err = await refusal(
      src('forbid (principal, action == Action::"transfer_demo", resource) when { context.args.tenant > 10 };'),
    );
    expect(err.message).toMatch(/Long|type/);
  });

  it('a broken schema, duplicate ids and templates are refused', async () => {
    expect((await refusal(src(PERMIT, 'entity Caller = { sub: Strin };'))).code).toBe('invalid_schema');
    expect((await refusal(src(`${PERMIT}\n${PERMIT}`))).message).toContain('duplicate policy id "all"');
    expect((await refusal(src('permit (principal == ?principal, action, resource);'))).message).toContain('templates');
  });

  it('npm run generate and npm run build exit 1 with the validator message (nothing written)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cedar-bad-'));
    dirs.push(dir);
    writeFileSync(
      path.join(dir, 'bad.cedar'),
      '@id("bad") permit (principal, action, resource) when { context.nope };',
    );
    const env = { ...process.env, POLICIES_DIR: dir };
    const gen = spawnSync(process.execPath, ['scripts/generate.ts', '--check'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(gen.status).toBe(1);
    expect(gen.stderr).toContain('do not validate');
    expect(gen.stderr).toContain('policy "bad"');
    const build = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(build.status).not.toBe(0);
    expect(build.stderr).toContain('policy "bad"');
  });
});

describe('fail closed', () => {
  const caller = { subject: 's', clientId: undefined, scopes: ['mcp:tools'] };
  const req = {
    caller,
    tool: { name: 'transfer_demo', scopes: [] },
    args: { amount: 5, tenant: 'acme' },
    era: '2026-07-28',
    sourceIp: '127.0.0.1',
    now: new Date(),
  };

  it('a policy whose evaluation errors (a claim of the wrong type at run time) denies, not skips', async () => {
    const engine = await createPolicyEngine(
      src(`${PERMIT}
        @id("needs-group") forbid (principal, action == Action::"transfer_demo", resource)
        unless { principal.claims has groups && principal.claims.groups.contains("ok") };`),
    );
    // The schema says Set<String>; a token carrying a string instead makes `.contains` an error in Cedar,
    // which would drop the forbid and leave the permit: the engine must deny instead.
    const d = engine.decide({ ...req, caller: { ...caller, claims: { groups: 'ok' } } });
    expect(d).toEqual({ decision: 'deny', policies: ['needs-group'], error: 'policy_error' });
    expect(engine.decide({ ...req, caller: { ...caller, claims: { groups: ['ok'] } } }).decision).toBe('allow');
  });

  it('an engine that throws denies, and the log line names the code, never an argument', async () => {
    const engine = await createPolicyEngine(src(PERMIT));
    const cedar = await loadCedar();
    const spy = vi.spyOn(cedar, 'statefulIsAuthorized').mockImplementation(() => {
      throw new Error('wasm trap: unreachable secret-tenant-xyz');
    });
    const out = vi.spyOn(process.stderr, 'write'); // WARN lines go to stderr (Powertools)
    try {
      const d = engine.decide({ ...req, args: { amount: 5, tenant: 'secret-tenant-xyz' } });
      expect(d).toEqual({ decision: 'deny', policies: [], error: 'engine_failure' });
    } finally {
      spy.mockRestore();
    }
    const logged = out.mock.calls.map((c) => String(c[0])).join('');
    out.mockRestore();
    expect(logged).toContain('policy evaluation failed closed');
    expect(logged).toContain('engine_failure');
    expect(logged).not.toContain('secret-tenant-xyz');
  });
});

describe('the resource carries the tool annotations', () => {
  it('a policy over resource.annotations.destructiveHint sees what the tool declared', async () => {
    const engine = await createPolicyEngine(
      src(`${PERMIT}
        @id("no-destructive-without-admin") @reason("destructive tools need mcp:admin")
        forbid (principal, action in Action::"tools/call", resource)
        when { resource.annotations has destructiveHint && resource.annotations.destructiveHint &&
               !principal.scopes.contains("mcp:admin") };`),
    );
    const base = {
      caller: { subject: 's', clientId: undefined, scopes: ['mcp:tools'] },
      args: {},
      era: '2025',
      sourceIp: '127.0.0.1',
      now: new Date(),
    };
    const destructive = { name: 'transfer_demo', scopes: [], annotations: { destructiveHint: true, title: 'x' } };
    expect(engine.decide({ ...base, tool: destructive, args: { amount: 1, tenant: 'a' } })).toMatchObject({
      decision: 'deny',
      reason: 'destructive tools need mcp:admin',
    });
    expect(engine.decide({ ...base, tool: { name: 'echo', scopes: [] } }).decision).toBe('allow');
    // A hint of the wrong type is not a hint.
    const odd = { name: 'echo', scopes: [], annotations: { destructiveHint: 'yes' } };
    expect(engine.decide({ ...base, tool: odd }).decision).toBe('allow');
  });
});

describe('context values a policy reads', () => {
  it('time.now (a datetime) and source_ip reach the policies that read them', async () => {
    const engine = await createPolicyEngine(
      src(`${PERMIT}
        @id("until-2030") forbid (principal, action in Action::"tools/call", resource)
        when { context.time.now >= datetime("2030-01-01T00:00:00Z") };
        @id("not-from-doc-net") forbid (principal, action in Action::"tools/call", resource)
        when { context.source_ip.isInRange(ip("192.0.2.0/24")) };`),
    );
    const base = {
      caller: { subject: 's', clientId: undefined, scopes: [] },
      tool: { name: 'echo', scopes: [] },
      args: {},
      era: '2025',
      sourceIp: '203.0.113.1',
    };
    expect(engine.decide({ ...base, now: new Date('2029-12-31T23:59:59Z') }).decision).toBe('allow');
    expect(engine.decide({ ...base, now: new Date('2030-01-01T00:00:00Z') }).policies).toEqual(['until-2030']);
    const fromDocNet = engine.decide({ ...base, sourceIp: '192.0.2.7', now: new Date('2026-01-01T00:00:00Z') });
    expect(fromDocNet.policies).toEqual(['not-from-doc-net']);
  });
});

describe('step-up needs a policy that reads scopes', () => {
  it('scopeSensitive is false unless some policy reads an attribute named scopes', async () => {
    expect((await createPolicyEngine(src(PERMIT))).scopeSensitive).toBe(false);
    const reads = await createPolicyEngine(
      src(`${PERMIT}\nforbid (principal, action, resource) unless { principal.scopes.contains("mcp:tools") };`),
    );
    expect(reads.scopeSensitive).toBe(true);
  });
});
