// Cedar policy cost (issue #20): evaluation per tools/call with 20 policies (goal: <= 50 µs; 19 of them apply to
// transfer_demo, and decideOtherToolUs is a tool that only the catch-all permit names), the uncached
// tools/list partial evaluation per tool, the engine's one-time load, and whether the PRM and 401 paths
// reach anything of Cedar in the built bundles (esbuild metafiles, static imports from each entry).
//
//   node bench/policy.ts        (BENCH_POLICY_CALLS=20000 by default)
//
// Prints one JSON object; exits 1 when the PRM or 401 path reaches Cedar.
import path from 'node:path';
import * as esbuild from 'esbuild';
import { createPolicyEngine, type PolicyRequest } from '../lib/policy/index.ts';
import { loadTemplate } from '../local/template.ts';
import { esbuildOptions, ROOT } from '../scripts/build.ts';
import { readPolicySource } from '../scripts/policies.ts';
import { summarize } from './stats.ts';

const CALLS = Number(process.env.BENCH_POLICY_CALLS ?? 20_000);

/** The examples (5 policies) plus 15 more forbids of the same shapes: 20 in all. */
function twentyPolicies() {
  const source = readPolicySource(ROOT, path.join(ROOT, 'policies', 'examples'))!;
  const more = Array.from({ length: 15 }, (_, i) => {
    const rules = [
      `context.args.amount > ${100_000 + i} && !principal.scopes.contains("mcp:admin")`,
      `principal.claims has tenant && principal.claims.tenant == "blocked-${i}"`,
      `context.source_ip.isInRange(ip("192.0.2.${i}/32"))`,
    ];
    return `@id("bench-${i}") @reason("bench ${i}")\nforbid (principal, action == Action::"transfer_demo", resource)\nwhen { ${rules[i % 3]} };`;
  });
  return { ...source, files: [...source.files, { name: 'bench.cedar', text: more.join('\n') }] };
}

function perCall(fn: () => unknown, n: number) {
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return summarize(us);
}

/** Files reached from a function's entry through static imports only (what Lambda init loads). */
async function staticReach(name: string) {
  const fn = loadTemplate(path.join(ROOT, 'template.yaml')).find((f) => f.name === name)!;
  const r = await esbuild.build({ ...esbuildOptions(fn), write: false });
  const outputs = r.metafile!.outputs;
  const entry = Object.keys(outputs).find((o) => o.endsWith('/index.mjs'))!;
  const seen = new Set<string>();
  const walk = (o: string) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const i of outputs[o]?.imports ?? []) if (i.kind === 'import-statement') walk(i.path);
  };
  walk(entry);
  const atInit = [...seen].flatMap((o) => [
    ...Object.keys(outputs[o]?.inputs ?? {}),
    ...(outputs[o]?.imports ?? []).map((i) => i.path),
  ]);
  const all = Object.values(outputs).flatMap((o) => [...Object.keys(o.inputs), ...o.imports.map((i) => i.path)]);
  const cedar = (list: string[]) => list.filter((p) => p.includes('cedar-policy') || p.startsWith('lib/policy/'));
  return { atInit: [...new Set(cedar(atInit))], anywhere: [...new Set(cedar(all))] };
}

const t0 = performance.now();
const engine = await createPolicyEngine(twentyPolicies());
const loadMs = performance.now() - t0;
const req: PolicyRequest = {
  caller: { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'], claims: { tenant: 'acme', groups: ['x'] } },
  tool: { name: 'transfer_demo', scopes: [] },
  args: { amount: 500, tenant: 'acme' },
  era: '2026-07-28',
  sourceIp: '203.0.113.9',
  now: new Date(),
};
const deny = { ...req, args: { amount: 50_000, tenant: 'acme' } };
if (engine.decide(req).decision !== 'allow' || engine.decide(deny).decision !== 'deny') throw new Error('bench set');
perCall(() => engine.decide(req), 2000); // warm-up
const allow = perCall(() => engine.decide(req), CALLS);
const denied = perCall(() => engine.decide(deny), CALLS);
// A tool only the catch-all permit names: its slice holds one policy that reads nothing (lib/policy/reads.ts).
const echo = { ...req, tool: { name: 'echo', scopes: [] }, args: { text: 'hi' } };
if (engine.decide(echo).decision !== 'allow') throw new Error('bench set: echo');
const other = perCall(() => engine.decide(echo), CALLS);
let k = 0;
const list = perCall(() => engine.callable({ ...req, caller: { ...req.caller, subject: `u${k++}` } }), 200);

const prm = await staticReach('prm');
const mcp = await staticReach('mcp');
const sse = await staticReach('sse');
const clean = prm.anywhere.length === 0 && mcp.atInit.length === 0 && sse.atInit.length === 0;
const out = {
  policies: engine.size,
  engineLoadMs: Math.round(loadMs),
  decideAllowUs: { p50: allow.median, p99: allow.p99, mean: allow.mean },
  decideDenyUs: { p50: denied.median, p99: denied.p99, mean: denied.mean },
  decideOtherToolUs: { p50: other.median, p99: other.p99 },
  listPartialUncachedUs: { p50: list.median, p99: list.p99 },
  goalUs: 50,
  cedarInPrm: prm.anywhere,
  cedarAt401Init: [...mcp.atInit, ...sse.atInit],
  cedarLazyInMcp: mcp.anywhere.length > 0,
};
console.log(JSON.stringify(out));
if (!clean) process.exitCode = 1;
