// Refresh tokens (RFC 9700 section 4.14): opaque, stored as their SHA-256, rotated on every use, and grouped in a
// family per login (one code exchange). The family has an absolute lifetime (FACADE_REFRESH_TTL_S); deleting it
// revokes every refresh token of that login. A refresh token used twice, or the family's authorization code
// replayed, deletes the family. Access tokens already issued stay valid until they expire (they are stateless JWTs,
// which is why they are short-lived).
import { randomBytes } from 'node:crypto';
import type { CodeGrant } from './callback.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { digest } from './redirect.ts';
import { splitScopes } from './scopes.ts';

/** What a refresh token stands for. */
export interface RefreshGrant {
  family: string;
  clientId: string;
  scopes: string[];
  subject: string;
}

interface TokenFamily {
  clientId: string;
  expiresAtMs: number;
}

/** Starts a family for a code exchange and returns its first refresh token. */
export async function startFamily(ctx: FacadeContext, grant: CodeGrant & { family: string }): Promise<string> {
  const family: TokenFamily = { clientId: grant.clientId, expiresAtMs: Date.now() + ctx.cfg.refreshTtlSec * 1000 };
  await ctx.store.create('family', grant.family, family, ctx.cfg.refreshTtlSec);
  return issue(
    ctx,
    { family: grant.family, clientId: grant.clientId, scopes: grant.scopes, subject: grant.subject },
    family,
  );
}

async function issue(ctx: FacadeContext, grant: RefreshGrant, family: TokenFamily): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const ttl = Math.max(1, Math.floor((family.expiresAtMs - Date.now()) / 1000));
  await ctx.store.create('refresh', digest(token), grant, ttl);
  return token;
}

/** Revokes a login's refresh tokens. */
export async function revokeFamily(ctx: FacadeContext, family: string): Promise<void> {
  await ctx.store.take('family', family);
}

/**
 * The refresh_token grant: checks and rotates the refresh token. Returns the grant to issue an access token for
 * (scope narrowed to the `scope` parameter, never widened) and the next refresh token.
 */
export async function redeemRefreshToken(
  form: URLSearchParams,
  clientId: string,
  ctx: FacadeContext,
  onReuse: (what: 'refresh_token', clientId: string) => void,
): Promise<{ grant: RefreshGrant; refreshToken: string }> {
  const token = form.get('refresh_token');
  if (!token) throw new FacadeError('invalid_request', 'refresh_token is required');
  const used = await ctx.store.consume<RefreshGrant>('refresh', digest(token));
  if (used.state === 'absent') throw new FacadeError('invalid_grant', 'the refresh token is unknown or expired');
  if (used.state === 'replayed') {
    await revokeFamily(ctx, used.data.family);
    onReuse('refresh_token', used.data.clientId);
    throw new FacadeError('invalid_grant', 'the refresh token was already used; the login is revoked');
  }
  const grant = used.data;
  const family = await ctx.store.get<TokenFamily>('family', grant.family);
  if (!family) throw new FacadeError('invalid_grant', 'the login was revoked or has expired');
  if (grant.clientId !== clientId)
    throw new FacadeError('invalid_grant', 'the refresh token was issued to another client');
  const asked = splitScopes(form.get('scope'));
  if (asked.some((s) => !grant.scopes.includes(s))) {
    throw new FacadeError('invalid_scope', 'a refresh cannot widen the scope');
  }
  const next: RefreshGrant = { ...grant, scopes: asked.length ? asked : grant.scopes };
  // The next token keeps the login's full scope, so a narrowed refresh can be followed by a wider one again.
  return { grant: next, refreshToken: await issue(ctx, grant, family) };
}
