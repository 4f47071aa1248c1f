// The JSON replacer every operational log line is serialised with. It runs the audit's own redaction
// (lib/audit/redact.ts) over every string, key and nested value, so what a log call echoes (error messages
// and stacks, header values, JSON-RPC methods: caller input) cannot carry a token to stdout or stderr.
import { isSensitiveKey, REDACTED, redactString } from '../audit/redact.ts';

/** Longest string written (after redaction); a caller-sized header or message must not flood the logs. */
export const MAX_LOGGED_STRING = 4096;

function clip(text: string): string {
  if (text.length <= MAX_LOGGED_STRING) return text;
  return `${text.slice(0, MAX_LOGGED_STRING)}…[${text.length - MAX_LOGGED_STRING} more characters]`;
}

/** Redacts then cuts a string; redaction goes first so a cut never leaves a partial token unredacted. Pure. */
export function redactLogString(text: string): string {
  return clip(redactString(text));
}

/**
 * A `JSON.stringify` replacer (Powertools `jsonReplacerFn`): sensitive keys lose their value, strings are
 * redacted and clipped, `Headers` become objects (so their values are redacted, not dropped), and objects
 * whose keys look like secrets get redacted keys. Powertools applies it before its own rules, and again to
 * the parts of a formatted Error (message, stack, cause), so nothing reaches the line unredacted.
 */
export function createRedactingReplacer(): (key: string, value: unknown) => unknown {
  // One redacted copy per original object, so Powertools' cycle guard still recognises a revisited object.
  const copies = new WeakMap<object, object>();
  return (key, value) => {
    if (key !== '' && isSensitiveKey(key) && value !== undefined) return REDACTED;
    if (typeof value === 'string') return redactLogString(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Headers) return Object.fromEntries(value.entries());
    if (Array.isArray(value) || value instanceof Error) return value;
    const known = copies.get(value);
    if (known) return known;
    const keys = Object.keys(value);
    if (keys.every((k) => redactString(k) === k)) return value;
    const copy: Record<string, unknown> = {};
    for (const k of keys) copy[redactString(k)] = (value as Record<string, unknown>)[k];
    copies.set(value, copy);
    return copy;
  };
}
