// Where lib/mcp meets lib/policy (Cedar, issue #20). Three hooks, each a no-op without policies:
//   listable(...)     the server factory registers (lists) only tools the policies could allow this caller at all
//   policyDenial(...) the tool wrapper asks before every run, in every era (the one point all routes share);
//                     a deny is a tool result with isError and the author's @reason, and goes to the audit span
//   stepUpScopes(...) the endpoints ask before dispatch: when a scope would turn a deny, the answer is 403
// Arguments reach the policies only after the tool's input schema validated them (the SDK's, or here the same
// compiled schema), so a string never stands in for a number.
import type { AuthInfo, CallToolResult } from '@modelcontextprotocol/server';
import { auditSpanOf } from '../audit/index.ts';
import { type Identity, identityOf } from '../auth/index.ts';
import type { PolicyEngine, PolicyRequest } from '../policy/index.ts';
import type { ToolDefinition } from '../tools/index.ts';
import { inputSchemaOf } from './input-schema.ts';
import { messagesOf, toolCallName } from './jsonrpc.ts';
import { originalOf } from './sessions/detached.ts';

/** The policy engine and the scopes a caller may be told to request (the PRM's scopes_supported). */
export interface PolicyGate {
  engine: PolicyEngine;
  stepUpCandidates: readonly string[];
}

type ServingEra = 'legacy' | 'modern';

function factsOf(principal: Identity, tool: ToolDefinition, era: ServingEra, request: Request | undefined) {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  return {
    caller: principal,
    tool: { name: tool.name, scopes: tool.requiredScopes, annotations: tool.annotations },
    era: era === 'modern' ? '2026-07-28' : '2025',
    sourceIp: span?.sourceIp ?? '',
  };
}

/** Whether tools/list shows the tool: not when the policies deny it whatever the arguments. */
export function listable(
  gate: PolicyGate,
  tool: ToolDefinition,
  principal: Identity,
  era: ServingEra,
  request: Request | undefined,
): boolean {
  return gate.engine.callable(factsOf(principal, tool, era, request));
}

/**
 * The tool result for a call the policies deny (isError, the author's reason), or undefined to run the tool.
 * The decision and its determining policies go to the request's audit span either way.
 */
export function policyDenial(
  gate: PolicyGate,
  tool: ToolDefinition,
  args: unknown,
  call: { identity: Identity; era: ServingEra; request: Request | undefined; rpcId: string | number },
): CallToolResult | undefined {
  const req: PolicyRequest = {
    ...factsOf(call.identity, tool, call.era, call.request),
    args: (args ?? {}) as Record<string, unknown>,
    now: new Date(),
  };
  const d = gate.engine.decide(req);
  const span = call.request ? auditSpanOf(originalOf(call.request)) : undefined;
  if (d.decision === 'allow') {
    span?.settle(call.rpcId, { outcome: 'ok', decision: 'allow', policies: d.policies });
    return undefined;
  }
  const error = d.error ? `policy_${d.error}` : 'policy_denied';
  span?.settle(call.rpcId, { outcome: 'denied', error, decision: 'deny', policies: d.policies });
  const why = d.error ? 'the policy engine could not decide, so the call is denied' : (d.reason ?? 'not permitted');
  return { content: [{ type: 'text', text: `Denied by policy: ${why}` }], isError: true };
}

/**
 * Scopes to request (403 insufficient_scope) for the tools/calls in a POST body that the policies deny but
 * that one more scope would allow; empty when none. Calls whose arguments fail their schema are left to the
 * SDK's own validation answer.
 */
export async function stepUpScopes(
  gate: PolicyGate,
  tools: readonly ToolDefinition[],
  body: unknown,
  authInfo: AuthInfo,
  era: ServingEra,
  request: Request,
): Promise<string[]> {
  // No policy reads scopes: no scope can turn a decision, so the call is decided once, in the tool wrapper.
  if (!gate.engine.scopeSensitive) return [];
  const wanted = new Set<string>();
  const byName = new Map(tools.map((t) => [t.name, t]));
  for (const message of messagesOf(body)) {
    const tool = byName.get(toolCallName(message) ?? '');
    if (!tool) continue;
    const raw = (message.params as { arguments?: unknown }).arguments ?? {};
    const checked = await inputSchemaOf(tool)['~standard'].validate(raw);
    if (checked.issues) continue;
    const d = gate.engine.decide(
      { ...factsOf(identityOf(authInfo), tool, era, request), args: checked.value as never, now: new Date() },
      gate.stepUpCandidates,
    );
    if (!d.stepUp) continue;
    for (const s of d.stepUp) wanted.add(s);
    if (typeof message.id === 'string' || typeof message.id === 'number') {
      auditSpanOf(originalOf(request))?.settle(message.id, {
        outcome: 'denied',
        error: 'policy_step_up',
        decision: 'deny',
        policies: d.policies,
      });
    }
  }
  return [...wanted];
}
