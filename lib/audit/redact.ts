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
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|DPoP)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;

/** JWT-shaped strings and `Bearer`/`Basic`/`DPoP` credentials inside free text. */
export function redactString(text: string): string {
  return text.replace(SCHEME_CREDENTIAL, `$1$2${REDACTED}`).replace(jwtShapedPattern(), `${REDACTED}:jwt`);
}

/**
 * A deep copy with sensitive keys and secrets in strings (keys too) replaced; Errors become
 * { name, message } (stack dropped), Headers become objects, cycles become "[Circular]".
 */
export function redactValue(value: unknown): unknown {
  return walk(value, new WeakSet());
}

function walk(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: redactString(value.message) };
      if (value.cause !== undefined) out.cause = walk(value.cause, seen);
      return out;
    }
    if (value instanceof Headers) return walk(Object.fromEntries(value.entries()), seen);
    if (Array.isArray(value)) return value.map((v) => walk(v, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a caller's "__proto__" key stays a key instead of replacing the prototype.
      Object.defineProperty(out, redactString(k), {
        value: isSensitiveKey(k) ? REDACTED : walk(v, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
