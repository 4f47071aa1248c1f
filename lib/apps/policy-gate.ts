// The Cedar policies of a function, when the build shipped any: lib/policy (and the Cedar engine with it) is
// imported here, lazily, only then. Without policies nothing of Cedar loads and scopes alone decide.
import type { Config } from '../config.ts';
import type { PolicyGate } from '../mcp/index.ts';
import type { PolicySource } from '../policy/types.ts';

/** The engine and step-up candidates for `source`, or undefined when there are no policies. */
export async function loadPolicyGate(cfg: Config, source: PolicySource | undefined): Promise<PolicyGate | undefined> {
  if (!source?.files.length) return undefined;
  const { createPolicyEngine } = await import('../policy/index.ts');
  return { engine: await createPolicyEngine(source), stepUpCandidates: cfg.auth.scopesSupported };
}
