// Redaction applied to every audit record (and usable for any log line) before it is written.
import { jwtShapedPattern } from './scan.ts';

/** The replacement text. */
export const REDACTED = '[REDACTED]';

const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'clientsecret',
  'password',
  'secret',
]);

/** Authorization, Cookie, Set-Cookie, API keys, OAuth token and secret fields (any case, - or _). */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

// 8+ characters: real credentials are long, and prose such as "the bearer of bad news" stays readable.
// Module-level /g patterns are safe with String#replace, which starts from index 0 whatever lastIndex says.
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|DPoP)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;
const JWT_SHAPED = jwtShapedPattern();
// Neither pattern can match a string without one of these (a JWT starts with "eyJ"): most strings of a
// record (ids, paths, scopes, tool names) skip both replacements.
const MAY_HOLD_SECRET = /eyJ|bearer|basic|dpop/i;

/** JWT-shaped strings and `Bearer`/`Basic`/`DPoP` credentials inside free text. */
export function redactString(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(SCHEME_CREDENTIAL, `$1$2${REDACTED}`).replace(JWT_SHAPED, `${REDACTED}:jwt`);
}

/** A key as redaction writes it, and whether its value is replaced; memoised, bounded like canonical.ts. */
const keyVerdicts = new Map<string, { key: string; sensitive: boolean }>();
function keyVerdict(k: string): { key: string; sensitive: boolean } {
  let v = keyVerdicts.get(k);
  if (v === undefined) {
    v = { key: redactString(k), sensitive: isSensitiveKey(k) };
    if (keyVerdicts.size < 512) keyVerdicts.set(k, v);
  }
  return v;
}

/**
 * A deep copy with sensitive keys and secrets in strings (keys too) replaced; Errors become
 * { name, message } (stack dropped), Headers become objects, cycles become "[Circular]", members whose
 * value is undefined are left out (as JSON leaves them out).
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  return walk(value, []);
}

// `seen` is the path from the root (the objects being copied), as in canonical.ts: a cycle is an object
// already on it. Records are shallow, so a short array beats allocating a WeakSet per call.
function walk(value: unknown, seen: object[]): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.includes(value)) return '[Circular]';
  seen.push(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: redactString(value.message) };
      if (value.cause !== undefined) out.cause = walk(value.cause, seen);
      return out;
    }
    if (value instanceof Headers) return walk(Object.fromEntries(value.entries()), seen);
    if (Array.isArray(value)) return value.map((v) => walk(v, seen));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const raw = (value as Record<string, unknown>)[k];
      // A member JSON would drop anyway (the audit chain hashes the record without a JSON round trip).
      if (raw === undefined) continue;
      const { key, sensitive } = keyVerdict(k);
      const v = sensitive ? REDACTED : walk(raw, seen);
      // defineProperty: a caller's "__proto__" key stays a key instead of replacing the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  } finally {
    seen.pop();
  }
}
