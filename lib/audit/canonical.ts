// Canonical JSON (RFC 8785 style) and the SHA-256 digest over it.
//
// The same arguments in any key order give the same digest, so the audit log can prove which
// arguments were used without storing them. Undefined members are dropped (as JSON.stringify does);
// non-finite numbers, bigints and functions are refused because they have no JSON form.
import { createHash, hash } from 'node:crypto';

/** Keys sorted by UTF-16 code units, no whitespace, ES number form; throws for values with no JSON form. */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}

// Quoted keys, memoised: audit records repeat the same few dozen keys. Bounded so that caller-chosen
// keys (tool arguments) cannot grow it without limit.
const quotedKeys = new Map<string, string>();
function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size < 512) quotedKeys.set(k, q);
  }
  return q;
}

// `stack` holds the objects being written (the path from the root): a cycle is an object already on it.
// Plain loops rather than filter/sort/map chains: this runs for every audit record (hash chain).
function write(value: unknown, stack: object[]): string {
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
  if (stack.includes(obj)) throw new TypeError('canonicalJson: cyclic structure');
  stack.push(obj);
  try {
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(obj), stack);
    if (Array.isArray(obj)) {
      let out = '[';
      for (let i = 0; i < obj.length; i++) {
        const v = obj[i];
        if (i > 0) out += ',';
        out += v === undefined || typeof v === 'function' ? 'null' : write(v, stack);
      }
      return `${out}]`;
    }
    // Default sort compares UTF-16 code units, which is what RFC 8785 section 3.2.3 asks for.
    const keys = Object.keys(obj).sort();
    let out = '{';
    let first = true;
    for (const k of keys) {
      const v = (obj as Record<string, unknown>)[k];
      if (v === undefined || typeof v === 'function') continue;
      out += `${first ? '' : ','}${quoteKey(k)}:${write(v, stack)}`;
      first = false;
    }
    return `${out}}`;
  } finally {
    stack.pop();
  }
}

/**
 * True when JSON.stringify(value) is exactly canonicalJson(value): every object is a plain object whose keys
 * already come in ascending UTF-16 order (as JSON.stringify walks them: integer-like keys first, so "10"
 * before "9" fails the test), every number is finite, and nothing has another JSON form (no toJSON, bigint,
 * function, class instance). Then the native JSON.stringify is the canonical form and no sort is needed;
 * otherwise canonicalJson() must be used. Records built in canonical key order (span.ts) pass; a caller's
 * allow-listed arguments in any other order do not. Deeper than 64 levels: false (canonicalJson decides).
 */
export function stringifiesCanonically(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // a member JSON leaves out, an array element both write as null
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!stringifiesCanonically(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  let last: string | undefined;
  // for-in walks own keys in Object.keys order (inherited enumerable keys, if anyone added some, come after
  // and can only turn the answer into false), without allocating the key array.
  for (const k in value) {
    if (last !== undefined && !(last < k)) return false;
    last = k;
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'function' || !stringifiesCanonically(v, depth + 1)) return false;
  }
  return true;
}

/** SHA-256 of the UTF-8 text, lower-case hex (one-shot `crypto.hash` where Node has it: no Hash object). */
export function sha256Hex(text: string): string {
  return typeof hash === 'function'
    ? hash('sha256', text, 'hex')
    : createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The digest of the canonical form and its UTF-8 length. */
export function digestOf(value: unknown): { digest: string; bytes: number } {
  const text = canonicalJson(value);
  return { digest: sha256Hex(text), bytes: Buffer.byteLength(text, 'utf8') };
}
