// A policy engine for one policy set: loads Cedar (lazily, once), validates the set, preparses it once, and
// answers decisions (one per tools/call) and list filtering. Engine failures are logged by code only: never an
// argument, never a policy's text.
import { log } from '../telemetry/index.ts';
import { loadCedar } from './engine.ts';
import { decide, type PreparedSet, type Slice } from './evaluate.ts';
import { callableAtAll } from './list.ts';
import { compilePolicies } from './load.ts';
import { admitsTool, mergeReads } from './reads.ts';
import { callerEntity, TOOLS_CALL } from './request.ts';
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
/** Slices per engine (one per tool called); past this, calls use the whole set (still correct, only dearer). */
const SLICES_MAX = 1000;

/** Validates and preparses `source`; throws a PolicyError with Cedar's message when it does not validate. */
export async function createPolicyEngine(source: PolicySource): Promise<PolicyEngine> {
  const cedar = await loadCedar();
  const compiled = compilePolicies(cedar, source);
  sets += 1;
  const slices = new Map<string, Slice>();
  const set: PreparedSet = {
    cedar,
    compiled,
    setId: `policies-${sets}`,
    slice: (tool) => slices.get(tool) ?? sliceFor(tool),
  };
  const whole: Slice = { setId: set.setId, policies: compiled.policies };
  const parsed = cedar.preparsePolicySet(set.setId, { staticPolicies: compiled.policies });
  if (parsed.type === 'failure')
    throw new PolicyError('invalid_policy', parsed.errors.map((e) => e.message).join('; '));
  /** The policies whose action scope admits `tool`, preparsed once, and the attributes they read. */
  function sliceFor(tool: string): Slice {
    if (slices.size >= SLICES_MAX) return whole;
    const ids = [...compiled.shapes].filter(([, s]) => admitsTool(s.action, tool, TOOLS_CALL.id)).map(([id]) => id);
    const setId = `${set.setId}/${slices.size}`;
    const policies = Object.fromEntries(ids.map((id) => [id, compiled.policies[id] as string]));
    const answer = cedar.preparsePolicySet(setId, { staticPolicies: policies });
    const slice: Slice =
      answer.type === 'failure'
        ? whole
        : { setId, policies, keep: mergeReads(ids.map((id) => compiled.shapes.get(id)!.reads)) };
    slices.set(tool, slice);
    return slice;
  }
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
