// A short-lived memory of access tokens that passed the whole of verifyAccessToken, so a warm instance
// does not redo the signature check (an RSA/ECDSA job, the largest single cost of an authenticated
// request) for a token it accepted seconds ago.
//
// Why a hit keeps every check's semantics:
// - Only successes are stored. Any token that failed a check, or is not in the cache, runs the full
//   verification (header rules, signature, iss, aud, exp, nbf, iat, ID-token rule, client allow-list).
// - Entries are per config object (`auth`): another issuer, audience, algorithm list or allow-list never
//   sees them. Entries are keyed by SHA-256 of the exact token string, so a different token (one more
//   byte, another signature) is a different entry; the token itself is not retained.
// - Every check except the time-based ones is a pure function of (token, config). Of the time-based ones,
//   nbf and "iat not in the future" only become easier to pass as time goes on, so a token that passed
//   them still passes. `exp` is re-checked on every hit exactly as jose does it
//   (exp <= now - clockTolerance is expired); an expired entry is dropped and the token takes the full
//   path, which answers the same 401 as without the cache.
// - Key removal: an entry lives at most AUTH_VERIFIED_TOKEN_CACHE_S (default TTL_MS; 0 turns the cache
//   off). jose already keeps using a fetched JWKS for up to its cacheMaxAge (10 min, see jwks.ts), so a key the AS removed may verify for that long anyway; the cache
//   adds at most TTL_MS to that window.
// - Bounded: at most MAX_ENTRIES per config; the oldest entry goes first.
import { createHash, hash } from 'node:crypto';
import type { Identity } from './identity.ts';

export const TTL_MS = 30_000;
export const MAX_ENTRIES = 1000;

interface Entry {
  identity: Identity;
  /** The token's exp (seconds): re-checked on every hit. */
  exp: number;
  /** Wall-clock ms after which the entry is not used. */
  until: number;
}

let caches = new WeakMap<object, Map<string, Entry>>();

/**
 * The cache key: SHA-256 hex of the token (the token itself is not kept). One-shot `crypto.hash` where Node
 * has it: a Hash object per request cost ~5 µs of a warm tools/call (bench/cpu.ts profile), the one-shot ~1 µs.
 */
export function verifiedTokenKey(token: string): string {
  return typeof hash === 'function' ? hash('sha256', token, 'hex') : createHash('sha256').update(token).digest('hex');
}

function copy(p: Identity): Identity {
  return { ...p, scopes: [...p.scopes] };
}

/** A copy of the identity remembered for `key` under this `auth` config; undefined on a miss or once expired. */
export function cachedIdentity(auth: object, key: string, nowMs: number, toleranceSec: number): Identity | undefined {
  const cache = caches.get(auth);
  const entry = cache?.get(key);
  if (!entry) return undefined;
  const now = Math.floor(nowMs / 1000);
  if (nowMs > entry.until || entry.exp <= now - toleranceSec) {
    cache!.delete(key);
    return undefined;
  }
  return copy(entry.identity);
}

/** Remembers a verified token's identity for at most `ttlMs` (and never past its exp). */
export function rememberIdentity(
  auth: object,
  key: string,
  identity: Identity,
  nowMs: number,
  ttlMs: number = TTL_MS,
): void {
  if (!Number.isFinite(identity.expiresAt)) return;
  let cache = caches.get(auth);
  if (!cache) {
    cache = new Map();
    caches.set(auth, cache);
  }
  cache.delete(key);
  cache.set(key, { identity: copy(identity), exp: identity.expiresAt, until: nowMs + ttlMs });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** Forgets every remembered token (with resetJwksCaches, in tests). */
export function clearVerifiedTokens(): void {
  caches = new WeakMap();
}
