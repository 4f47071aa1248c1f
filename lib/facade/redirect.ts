// Redirects back to the client (RFC 6749 section 4.1.2) with the façade's issuer (RFC 9207), and the cookie rules.
import { createHash, timingSafeEqual } from 'node:crypto';

/** 302 to `redirectUri` with `params` added to its query (state only when the client sent one). Pure. */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>): Response {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: u.href, 'cache-control': 'no-store' } });
}

/** SHA-256 (base64url) of a secret value: what the store keeps instead of the value. Pure. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time equality of two strings. Pure. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(digest(a));
  const y = Buffer.from(digest(b));
  return timingSafeEqual(x, y);
}

export const CONSENT_COOKIE = 'mcp_facade_consent';

/** The consent cookie: HttpOnly, SameSite=Lax (no cross-site POST carries it), Secure on https. Pure. */
export function consentCookie(value: string, issuer: string, maxAgeSec: number): string {
  const secure = issuer.startsWith('https://') ? '; Secure' : '';
  return `${CONSENT_COOKIE}=${value}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSec}${secure}`;
}

/** The value of one cookie from a Cookie header. Pure. */
export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}
