// A policy engine for one policy set: loads Cedar (lazily, once), validates the set, preparses it once, and
// answers decisions (one per tools/call) and list filtering. Engine failures are logged by code only: never an
// argument, never a policy's text.
import { log } from '../telemetry/index.ts';
import { loadCedar } from './engine.ts';
import { decide, type PreparedSet } from './evaluate.ts';
import { callableAtAll } from './list.ts';
import { compilePolicies } from './load.ts';
import { callerEntity } from './request.ts';
import { type PolicyDecision, PolicyError, type PolicyRequest, type PolicySource } from './types.ts';

export interface PolicyEngine {
  /** How many policies the set holds. */
  readonly size: number;
  /** Whether a scope can turn a decision at all (some policy reads `scopes`); if not, step-up checks are skipped. */
  readonly scopeSensitive: boolean;
  /** The decision for one tools/call; `stepUpCandidates`: scopes that may be requested (the PRM's). */
  decide(req: PolicyRequest, stepUpCandidates?: readonly string[]): PolicyDecision;
  /** False when the policies deny the tool to this caller whatever the arguments (tools/list hides it). */
  callable(req: Omit<PolicyRequest, 'args' | 'now'>): boolean;
}

let sets = 0;
/** Cached list answers per engine; cleared when full (a partial evaluation costs milliseconds, a lookup nothing). */
const LIST_CACHE_MAX = 1000;

/** Validates and preparses `source`; throws a PolicyError with Cedar's message when it does not validate. */
export async function createPolicyEngine(source: PolicySource): Promise<PolicyEngine> {
  const cedar = await loadCedar();
  const compiled = compilePolicies(cedar, source);
  sets += 1;
  const set: PreparedSet = { cedar, compiled, setId: `policies-${sets}` };
  const parsed = cedar.preparsePolicySet(set.setId, { staticPolicies: compiled.policies });
  if (parsed.type === 'failure')
    throw new PolicyError('invalid_policy', parsed.errors.map((e) => e.message).join('; '));
  const listed = new Map<string, boolean>();
  return {
    size: Object.keys(compiled.policies).length,
    scopeSensitive: compiled.reads.scopes,
    decide(req, candidates) {
      const d = decide(set, req, candidates);
      if (d.error)
        log.warn('policy evaluation failed closed', { tool: req.tool.name, code: d.error, policies: d.policies });
      return d;
    },
    callable(req) {
      const key = JSON.stringify([callerEntity(req.caller), req.tool.name, req.era, req.sourceIp]);
      const known = listed.get(key);
      if (known !== undefined) return known;
      if (listed.size >= LIST_CACHE_MAX) listed.clear();
      const answer = callableAtAll(set, req);
      listed.set(key, answer);
      return answer;
    },
  };
}
