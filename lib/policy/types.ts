// What lib/policy works with: the policy files as shipped in the bundle, the facts of one request, and a decision.
// Plain types; no Cedar here, so importing them costs nothing.

/** The policies as generated/policies.ts ships them: the Cedar schema and each policy file's text. */
export interface PolicySource {
  /** The Cedar schema (human-readable format). */
  schema: string;
  /** Policy files in name order, e.g. `{ name: 'tenant.cedar', text: '...' }`. */
  files: ReadonlyArray<{ name: string; text: string }>;
}

/** The verified caller as policies see it (lib/auth's Identity fits). */
export interface PolicyCaller {
  subject: string;
  clientId: string | undefined;
  scopes: readonly string[];
  /** Roles/groups the auth profile reads (AUTH_PROFILE roleClaims). */
  roles?: readonly string[];
  /** Claims named in AUTH_POLICY_CLAIMS: strings or lists of strings only. */
  claims?: Readonly<Record<string, string | readonly string[]>>;
}

/** The tool a call names, as the Cedar `Tool` entity describes it. */
export interface PolicyTool {
  name: string;
  /** The scopes the tool declares. */
  scopes: readonly string[];
  /** The tool's MCP annotations; policies see the boolean hints (readOnlyHint, destructiveHint, ...). */
  annotations?: Readonly<Record<string, unknown>>;
}

/** Everything one decision is about. `args` are the arguments after the tool's schema validated them. */
export interface PolicyRequest {
  caller: PolicyCaller;
  tool: PolicyTool;
  args: Readonly<Record<string, unknown>>;
  /** '2026-07-28' or '2025' (a 2025 session or legacy SSE). */
  era: string;
  /** The client IP as the front door reported it; '' when unknown. */
  sourceIp: string;
  now: Date;
}

/** A decision. `policies`: the determining policy ids (the forbids that denied, the permits that allowed). */
export interface PolicyDecision {
  decision: 'allow' | 'deny';
  policies: string[];
  /** The author's `@reason("...")` of the first determining forbid (never the policy text). */
  reason?: string;
  /** Scopes that would turn a deny into an allow (step-up), when one does. */
  stepUp?: string[];
  /** Fail closed: the engine could not decide (the error's class; never argument values). */
  error?: string;
}

export class PolicyError extends Error {
  readonly code: 'invalid_policy' | 'invalid_schema' | 'unrepresentable_argument';
  constructor(code: PolicyError['code'], message: string) {
    super(message);
    this.name = 'PolicyError';
    this.code = code;
  }
}
