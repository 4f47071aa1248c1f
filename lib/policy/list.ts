// tools/list filtering: a tool is listed unless the policies deny it whatever its arguments are. Cedar's partial
// evaluation runs with the caller, the tool, the era and the source IP known and `context.args` and `context.time`
// unknown: a definite deny hides the tool; a residual (the answer depends on the arguments or the hour) or an allow
// shows it. Any engine failure hides it (fail closed). The time is left unknown so that the answer depends only on
// the caller's facts and can be cached (policy-engine.ts): tools/list is asked on every request's fresh server.
import type { PreparedSet } from './evaluate.ts';
import { callParts, policyContext } from './request.ts';
import type { PolicyRequest } from './types.ts';

/** Pure with respect to the caller's facts: could any arguments make this call allowed? */
export function callableAtAll(set: PreparedSet, req: Omit<PolicyRequest, 'args' | 'now'>): boolean {
  try {
    const parts = callParts(req.caller, req.tool);
    const context = {
      ...policyContext({ ...req, args: {}, now: new Date(0) }, set.compiled.reads),
      args: { __extn: { fn: 'unknown', arg: 'args' } },
      time: { __extn: { fn: 'unknown', arg: 'time' } },
    };
    const answer = set.cedar.isAuthorizedPartial({
      principal: parts.principal,
      action: parts.action,
      resource: parts.resource,
      context: context as never,
      entities: parts.entities as never,
      // only the policies whose scope admits the tool's action: the others cannot apply (reads.ts), and the
      // partial evaluation parses what it is given on every call
      policies: { staticPolicies: set.slice(req.tool.name).policies },
    });
    if (answer.type === 'failure') return false;
    return answer.response.decision !== 'deny' && answer.response.errored.length === 0;
  } catch {
    return false;
  }
}
