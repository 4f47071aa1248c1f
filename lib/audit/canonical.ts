// Canonical JSON (RFC 8785 style) and the SHA-256 digest over it.
//
//   canonicalJson(value): string  keys sorted by UTF-16 code units, no whitespace, ES number form
//   sha256Hex(text): string        lower-case hex
//   digestOf(value): { digest, bytes }  digest of the canonical form and its UTF-8 length
//
// The same arguments in any key order give the same digest, so the audit log can prove which
// arguments were used without storing them. Undefined members are dropped (as JSON.stringify does);
// non-finite numbers, bigints and functions are refused because they have no JSON form.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number has no JSON form');
      // ES Number-to-String is exactly the RFC 8785 number serialisation (and -0 becomes 0).
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${typeof value} has no JSON form`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('canonicalJson: cyclic structure');
  seen.add(obj);
  try {
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(obj), seen);
    if (Array.isArray(obj)) {
      return `[${obj.map((v) => (v === undefined || typeof v === 'function' ? 'null' : write(v, seen))).join(',')}]`;
    }
    const entries = Object.keys(obj)
      .filter((k) => {
        const v = (obj as Record<string, unknown>)[k];
        return v !== undefined && typeof v !== 'function';
      })
      // Default sort compares UTF-16 code units, which is what RFC 8785 section 3.2.3 asks for.
      .sort()
      .map((k) => `${JSON.stringify(k)}:${write((obj as Record<string, unknown>)[k], seen)}`);
    return `{${entries.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function digestOf(value: unknown): { digest: string; bytes: number } {
  const text = canonicalJson(value);
  return { digest: sha256Hex(text), bytes: Buffer.byteLength(text, 'utf8') };
}
