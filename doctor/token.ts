// Decoding an access token WITHOUT trusting it: the doctor only reads the claims to explain what the
// server will say about them. Nothing here verifies a signature, and the token itself is never printed.
//
//   decodeUnverified(token): DecodedToken | undefined   undefined for a non-JWT (opaque) token
//   tokenScopes(payload): string[]                      from `scope` (space separated) or `scp` (array)
//   audiences(payload): string[]

export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function part(s: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function decodeUnverified(token: string): DecodedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = part(parts[0]!);
  const payload = part(parts[1]!);
  return header && payload ? { header, payload } : undefined;
}

export function tokenScopes(payload: Record<string, unknown>): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  if (typeof payload.scp === 'string') return payload.scp.split(' ').filter(Boolean);
  return [];
}

export function audiences(payload: Record<string, unknown>): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  if (Array.isArray(payload.aud)) return payload.aud.filter((s): s is string => typeof s === 'string');
  return [];
}
