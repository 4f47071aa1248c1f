// One Cedar request from the facts of a tool call (pure): the caller as a `Caller` entity, the tool as a `Tool`
// entity, the action `Action::"<tool>"` (a member of `Action::"tools/call"`, so one policy can cover every tool),
// and the context: the validated arguments, the era, the source IP and the time. Arguments keep their JSON types
// (a string never turns into a number); what Cedar cannot represent faithfully is refused, so the call is denied.
import type { Reads } from './reads.ts';
import { type PolicyCaller, PolicyError, type PolicyRequest, type PolicyTool } from './types.ts';

type CedarValue = string | number | boolean | CedarValue[] | { [key: string]: CedarValue };
type Uid = { type: string; id: string };
interface EntityJson {
  uid: Uid;
  attrs: Record<string, CedarValue>;
  parents: Uid[];
}

/** The action group every tool's action belongs to. */
export const TOOLS_CALL: Uid = { type: 'Action', id: 'tools/call' };
/** Keys Cedar's JSON format reads as escapes (an entity reference, an extension value): never from a caller. */
const ESCAPES = new Set(['__entity', '__extn', '__expr']);
const MAX_DEPTH = 32;

function refuse(message: string): never {
  throw new PolicyError('unrepresentable_argument', message);
}

/** A JSON value as Cedar JSON; throws a PolicyError (never naming the value) for what Cedar cannot hold. */
export function cedarValue(value: unknown, depth = 0): CedarValue {
  if (depth > MAX_DEPTH) refuse('arguments nest too deeply');
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : refuse('a number is not an integer');
  if (Array.isArray(value)) return value.map((v) => cedarValue(v, depth + 1));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, CedarValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (ESCAPES.has(k)) refuse('an argument uses a reserved key');
      if (v !== undefined) out[k] = cedarValue(v, depth + 1);
    }
    return out;
  }
  return refuse(value === null ? 'an argument is null' : 'an argument is not JSON');
}

/** The `Caller` entity: identifiers, scopes, roles and the configured claims (strings or sets of strings). */
export function callerEntity(caller: PolicyCaller): EntityJson {
  const claims: Record<string, CedarValue> = {};
  for (const [k, v] of Object.entries(caller.claims ?? {})) claims[k] = typeof v === 'string' ? v : [...v];
  return {
    uid: { type: 'Caller', id: caller.subject },
    attrs: {
      sub: caller.subject,
      client_id: caller.clientId ?? '',
      scopes: [...caller.scopes],
      roles: [...(caller.roles ?? [])],
      claims,
    },
    parents: [],
  };
}

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];

/** The `Tool` entity (name, scopes, the boolean annotation hints it declares) and its action. */
export function toolEntities(tool: PolicyTool): EntityJson[] {
  const annotations: Record<string, CedarValue> = {};
  for (const h of HINTS) if (typeof tool.annotations?.[h] === 'boolean') annotations[h] = tool.annotations[h];
  return [
    {
      uid: { type: 'Tool', id: tool.name },
      attrs: { name: tool.name, scopes: [...tool.scopes], annotations },
      parents: [],
    },
    { uid: { type: 'Action', id: tool.name }, attrs: {}, parents: [TOOLS_CALL] },
    { uid: TOOLS_CALL, attrs: {}, parents: [] },
  ];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The request context: `args`, `era`, `source_ip` (an ipaddr; 0.0.0.0 when unknown) and `time`. `reads` leaves out
 * the extension values no policy reads (load.ts), `keep` the keys no policy of the slice reads (reads.ts): neither
 * can change a decision. The arguments are converted (and refused when Cedar cannot hold them) either way.
 */
export function policyContext(
  req: Pick<PolicyRequest, 'args' | 'era' | 'sourceIp' | 'now'>,
  reads: { sourceIp: boolean; now: boolean } = { sourceIp: true, now: true },
  keep?: Reads,
) {
  const args = cedarValue(req.args);
  const wants = (key: string) => !keep || keep.allContext || keep.context.has(key);
  const ip = IPV4.test(req.sourceIp) || req.sourceIp.includes(':') ? req.sourceIp : '0.0.0.0';
  const now = reads.now && (!keep || keep.allContext || keep.names.has('now'));
  return {
    ...(wants('args') ? { args } : {}),
    ...(wants('era') ? { era: req.era } : {}),
    ...(reads.sourceIp && wants('source_ip') ? { source_ip: { __extn: { fn: 'ip', arg: ip } } } : {}),
    ...(wants('time')
      ? {
          time: {
            ...(now ? { now: { __extn: { fn: 'datetime', arg: req.now.toISOString() } } } : {}),
            hour_utc: req.now.getUTCHours(),
            weekday_utc: req.now.getUTCDay(),
          },
        }
      : {}),
  };
}

/** `entity` with only the attributes `names` holds (all of them when `names` is undefined). */
function only(entity: EntityJson, names: Set<string> | undefined): EntityJson {
  if (!names) return entity;
  const attrs: Record<string, CedarValue> = {};
  for (const k of names) if (Object.hasOwn(entity.attrs, k)) attrs[k] = entity.attrs[k] as CedarValue;
  return { ...entity, attrs };
}

/**
 * The principal, action and resource uids and entities of a request. With `keep` (reads.ts) the caller and the
 * tool carry only the attributes the slice's policies read, and one whose attributes no policy names is not sent
 * (an absent entity differs from an attribute-less one only to `.attr` and `has`); the action keeps its membership in
 * `tools/call`, which `action in` reads.
 */
export function callParts(caller: PolicyCaller, tool: PolicyTool, keep?: Reads) {
  const whole = !keep || keep.allEntities;
  const principal = only(callerEntity(caller), whole ? undefined : keep.principal);
  const [resource, action, group] = toolEntities(tool) as [EntityJson, EntityJson, EntityJson];
  const toolEntity = only(resource, whole ? undefined : keep.resource);
  const entities = whole
    ? [principal, resource, action, group]
    : [...(keep.principal.size ? [principal] : []), ...(keep.resource.size ? [toolEntity] : []), action];
  return {
    principal: principal.uid,
    action: action.uid,
    resource: resource.uid,
    entities,
  };
}
