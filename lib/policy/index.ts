// lib/policy: per-tool authorization with Cedar policies (issue #20). The engine (WebAssembly) loads only when a
// policy set exists and the MCP core asks for it (a dynamic import of this room), so the PRM and 401 paths never
// load it, and with no policies nothing here runs (scopes alone decide, as before).
export { loadCedar } from './engine.ts';
export { type CompiledPolicies, compilePolicies } from './load.ts';
export { createPolicyEngine, type PolicyEngine } from './policy-engine.ts';
export { cedarValue } from './request.ts';
export {
  type PolicyCaller,
  type PolicyDecision,
  PolicyError,
  type PolicyRequest,
  type PolicySource,
  type PolicyTool,
} from './types.ts';
