// PKCE (RFC 7636) with S256 only: `plain` is refused (RFC 9700 section 2.1.1). Pure.
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 section 4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url of a SHA-256 digest: 43 characters. */
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** Whether `challenge` looks like an S256 challenge. Pure. */
export function isS256Challenge(challenge: unknown): challenge is string {
  return typeof challenge === 'string' && CHALLENGE.test(challenge);
}

/** The S256 challenge of a verifier. Pure. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Whether `verifier` is well formed and hashes to `challenge` (constant-time compare). Pure. */
export function verifierMatches(verifier: unknown, challenge: string): boolean {
  if (typeof verifier !== 'string' || !VERIFIER.test(verifier)) return false;
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
