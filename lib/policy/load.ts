// Loading policies: each file split into its policies, each policy named (its `@id("...")`, else
// `<file>#<n>`), its `@reason("...")` kept for denials, and the whole set checked by Cedar's validator against
// the schema (strict mode). The build (scripts/generate.ts) and the runtime run the same code, so a policy that
// fails here fails `npm run build` with the validator's message and never reaches a deployment.
import type { Cedar } from './engine.ts';
import { type Reads, readsOf } from './reads.ts';
import { PolicyError, type PolicySource } from './types.ts';

/** A validated policy set: Cedar text by policy id, the authors' reasons, and the costly context it reads. */
export interface CompiledPolicies {
  policies: Record<string, string>;
  reasons: ReadonlyMap<string, string>;
  /**
   * Whether any policy reads `source_ip` / `now` (an attribute of that name anywhere). Extension values are the
   * dearest part of a request to hand to the engine; one no policy reads cannot change a decision, so it is left out.
   */
  reads: ContextReads;
  /** Per policy id: its action scope (JSON form) and the attributes it reads (reads.ts), to slice requests. */
  shapes: ReadonlyMap<string, PolicyShape>;
}

export interface PolicyShape {
  action: unknown;
  reads: Reads;
}

export interface ContextReads {
  sourceIp: boolean;
  now: boolean;
  /** Any policy reads an attribute named `scopes`: only then can a scope turn a decision (step-up). */
  scopes: boolean;
}

type Detailed = { message: string; help?: string | null };

function describe(errors: readonly Detailed[]): string {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message)).join('; ');
}

/** Splits, names and validates `source`; throws a PolicyError carrying the parser's or validator's message. */
export function compilePolicies(cedar: Cedar, source: PolicySource): CompiledPolicies {
  const schemaCheck = cedar.checkParseSchema(source.schema);
  if (schemaCheck.type === 'failure') {
    throw new PolicyError('invalid_schema', `schema: ${describe(schemaCheck.errors)}`);
  }
  const policies: Record<string, string> = Object.create(null);
  const reasons = new Map<string, string>();
  const shapes = new Map<string, PolicyShape>();
  const reads: ContextReads = { sourceIp: false, now: false, scopes: false };
  for (const file of source.files) {
    const parts = cedar.policySetTextToParts(file.text);
    if (parts.type === 'failure') throw new PolicyError('invalid_policy', `${file.name}: ${describe(parts.errors)}`);
    if (parts.policy_templates.length) {
      throw new PolicyError('invalid_policy', `${file.name}: policy templates are not supported`);
    }
    parts.policies.forEach((text, n) => {
      const json = cedar.policyToJson(text);
      if (json.type === 'failure') throw new PolicyError('invalid_policy', `${file.name}: ${describe(json.errors)}`);
      const est = JSON.stringify(json.json);
      reads.sourceIp ||= est.includes('"attr":"source_ip"');
      reads.now ||= est.includes('"attr":"now"');
      reads.scopes ||= est.includes('"attr":"scopes"');
      const annotations = json.json.annotations ?? {};
      const id = annotations.id ?? `${file.name}#${n}`;
      if (Object.hasOwn(policies, id))
        throw new PolicyError('invalid_policy', `${file.name}: duplicate policy id "${id}"`);
      policies[id] = text;
      shapes.set(id, { action: json.json.action, reads: readsOf(json.json) });
      if (annotations.reason) reasons.set(id, annotations.reason);
    });
  }
  const checked = cedar.validate({
    schema: source.schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (checked.type === 'failure') throw new PolicyError('invalid_schema', describe(checked.errors));
  if (checked.validationErrors.length) {
    const lines = checked.validationErrors.map((v) => `policy "${v.policyId}": ${describe([v.error])}`);
    throw new PolicyError('invalid_policy', lines.join('\n'));
  }
  return { policies, reasons, reads, shapes };
}
