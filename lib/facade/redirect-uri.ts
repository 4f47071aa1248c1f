// Redirect URI rules (RFC 9700 section 4.1, RFC 8252 section 7.3, RFC 7591 section 2): https, or http only on a
// loopback host; no fragment; no credentials. Matching is exact string comparison, never a prefix. Pure.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why `uri` cannot be registered as a redirect URI, or undefined when it can. Pure. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > 2000) return 'is too long';
  if (!URL.canParse(uri)) return 'is not an absolute URL';
  if (uri.includes('#')) return 'must not contain a fragment';
  const u = new URL(uri);
  if (u.username || u.password) return 'must not carry credentials';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) return undefined;
  if (u.protocol === 'http:') return 'must use https unless it is a loopback address (127.0.0.1, [::1], localhost)';
  return `uses the scheme ${u.protocol} (only https, or http on loopback)`;
}

/** Whether `presented` is exactly one of `registered` (RFC 9700 section 2.1: exact string matching). Pure. */
export function redirectUriRegistered(registered: readonly string[], presented: string): boolean {
  return registered.includes(presented);
}
