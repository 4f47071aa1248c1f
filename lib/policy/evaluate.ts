// Deciding: one Cedar evaluation per tool call against the tool's slice of the preparsed policy set (the policies
// whose scope admits its action, parsed once per engine and tool, not per call) with only the attributes they read
// (reads.ts), fail closed. Cedar skips a policy whose evaluation errors (a forbid that errors would not forbid), so any
// evaluation error denies here, as does a request the engine refuses or throws on.
import type { Cedar } from './engine.ts';
import type { CompiledPolicies } from './load.ts';
import type { Reads } from './reads.ts';
import { callParts, policyContext } from './request.ts';
import { type PolicyDecision, PolicyError, type PolicyRequest } from './types.ts';

type Uid = { type: string; id: string };
export interface PreparedSet {
  cedar: Cedar;
  compiled: CompiledPolicies;
  /** The id under which the engine cached the parsed set (preparsePolicySet). */
  setId: string;
  /** The slice a call to `tool` is evaluated against (policy-engine.ts). */
  slice(tool: string): Slice;
}

/** A preparsed subset of the policies (also as text) and what they read; no `keep`: the whole request is sent. */
export interface Slice {
  setId: string;
  policies: Record<string, string>;
  keep?: Reads;
}

function failClosed(error: string, policies: string[] = []): PolicyDecision {
  return { decision: 'deny', policies, error };
}

/** One evaluation; never throws. */
export function evaluateOnce(set: PreparedSet, req: PolicyRequest): PolicyDecision {
  const slice = set.slice(req.tool.name);
  let context: Record<string, unknown>;
  try {
    context = policyContext(req, set.compiled.reads, slice.keep);
  } catch (err) {
    if (err instanceof PolicyError) return failClosed(err.code);
    return failClosed('engine_failure');
  }
  const parts = callParts(req.caller, req.tool, slice.keep);
  let answer: ReturnType<Cedar['statefulIsAuthorized']>;
  try {
    answer = set.cedar.statefulIsAuthorized({
      principal: parts.principal as Uid,
      action: parts.action,
      resource: parts.resource,
      context: context as never,
      entities: parts.entities as never,
      preparsedPolicySetId: slice.setId,
    });
  } catch {
    return failClosed('engine_failure');
  }
  if (answer.type === 'failure') return failClosed('engine_failure');
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length)
    return failClosed(
      'policy_error',
      diagnostics.errors.map((e) => e.policyId),
    );
  const policies = [...diagnostics.reason];
  if (decision === 'allow') return { decision, policies };
  const reason = policies.map((id) => set.compiled.reasons.get(id)).find((r) => r !== undefined);
  return { decision, policies, ...(reason ? { reason } : {}) };
}

/**
 * The decision for a call, and on a policy deny the scope(s) that would turn it (step-up): each candidate
 * the caller lacks alone, then all of them together.
 */
export function decide(set: PreparedSet, req: PolicyRequest, candidates: readonly string[] = []): PolicyDecision {
  const first = evaluateOnce(set, req);
  if (first.decision === 'allow' || first.error) return first;
  const missing = candidates.filter((s) => !req.caller.scopes.includes(s));
  const turns = (extra: string[]) =>
    evaluateOnce(set, { ...req, caller: { ...req.caller, scopes: [...req.caller.scopes, ...extra] } }).decision ===
    'allow';
  const one = missing.find((s) => turns([s]));
  if (one) return { ...first, stepUp: [one] };
  if (missing.length > 1 && turns(missing)) return { ...first, stepUp: missing };
  return first;
}
