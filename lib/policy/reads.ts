// What a policy can look at, from its JSON form (pure): the actions its scope admits and the attributes it reads.
// Handing the engine a value is the dearest part of a decision (the request crosses into WebAssembly field by
// field), so evaluate.ts sends each tool call only to the policies whose scope admits its action, and only the
// attributes those policies read. Both are exact: a policy whose scope excludes the action is never evaluated
// and cannot determine or error; an attribute no policy names cannot change a result. Whatever this cannot trace
// (an attribute of an entity literal or of a computed value, `context` used whole) keeps everything.

/** Top-level attributes read per variable; `names`: every attribute named anywhere. */
export interface Reads {
  principal: Set<string>;
  resource: Set<string>;
  context: Set<string>;
  names: Set<string>;
  /** The entities' attributes cannot be traced: hand the caller and the tool whole. */
  allEntities: boolean;
  /** `context` is used whole (not through `.attr` or `has`): hand it whole. */
  allContext: boolean;
}

type Json = unknown;
type Uid = { type?: string; id?: string };
const VARS = new Set(['principal', 'resource', 'context']);

export function noReads(): Reads {
  return {
    principal: new Set(),
    resource: new Set(),
    context: new Set(),
    names: new Set(),
    allEntities: false,
    allContext: false,
  };
}

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `node` is `<var>.a.b…`: a value that is a record or a set in our requests, never an entity. */
function chainFromVar(node: Json): boolean {
  if (!isRecord(node)) return false;
  if (typeof node.Var === 'string') return true;
  const dot = node['.'];
  return isRecord(dot) && chainFromVar(dot.left);
}

function walk(node: Json, out: Reads): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, out);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === '.' || key === 'has') && isRecord(value) && 'left' in value) {
      const path = Array.isArray(value.attr) ? value.attr : [value.attr];
      for (const a of path) if (typeof a === 'string') out.names.add(a);
      const top = path[0];
      const left = value.left;
      if (isRecord(left) && typeof left.Var === 'string') {
        if (VARS.has(left.Var) && typeof top === 'string')
          out[left.Var as 'principal' | 'resource' | 'context'].add(top);
        continue;
      }
      if (!chainFromVar(left)) out.allEntities = true;
      walk(left, out);
      continue;
    }
    if (key === 'Var' && value === 'context') out.allContext = true;
    walk(value, out);
  }
}

/** The attributes one policy (its JSON conditions) reads. */
export function readsOf(policyJson: { conditions?: Json }): Reads {
  const out = noReads();
  walk(policyJson.conditions ?? [], out);
  return out;
}

/** The union of several policies' reads. */
export function mergeReads(list: Iterable<Reads>): Reads {
  const out = noReads();
  for (const r of list) {
    for (const k of ['principal', 'resource', 'context', 'names'] as const) for (const a of r[k]) out[k].add(a);
    out.allEntities ||= r.allEntities;
    out.allContext ||= r.allContext;
  }
  return out;
}

/**
 * Whether a policy's action scope admits `Action::"<tool>"`, whose only ancestor is `Action::"tools/call"`
 * (request.ts). An unknown scope form admits it (never drop a policy that might apply).
 */
export function admitsTool(scope: Json, tool: string, group: string): boolean {
  if (!isRecord(scope) || scope.op === 'All') return true;
  const is = (u: Json) => isRecord(u) && (u as Uid).type === 'Action' && (u as Uid).id === tool;
  const isOrGroup = (u: Json) => is(u) || (isRecord(u) && (u as Uid).type === 'Action' && (u as Uid).id === group);
  if (scope.op === '==') return 'entity' in scope ? is(scope.entity) : true;
  if (scope.op === 'in') {
    if (Array.isArray(scope.entities)) return scope.entities.some(isOrGroup);
    if ('entity' in scope) return isOrGroup(scope.entity);
  }
  return true;
}
