// POST /oauth/token: authorization_code with PKCE for public clients, and refresh_token (refresh.ts). Codes are
// single-use: the first attempt marks the code used whatever its outcome, and every later attempt is refused, logged
// as a replay and revokes the refresh tokens that code's exchange issued (RFC 9700 section 4.5). Access tokens
// already issued live on until they expire (FACADE_ACCESS_TOKEN_TTL_S). The access token is the façade's own JWT:
// typ at+jwt (RFC 9068), iss = façade issuer, aud = the MCP resource, sub and scope from the upstream login.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CodeGrant } from './callback.ts';
import { authenticateClient } from './client-auth.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { verifierMatches } from './pkce.ts';
import { digest } from './redirect.ts';
import { redeemRefreshToken, revokeFamily, startFamily } from './refresh.ts';

/** Signs the façade's access token. */
export async function signAccessToken(ctx: FacadeContext, grant: Pick<CodeGrant, 'clientId' | 'scopes' | 'subject'>) {
  const keys = await ctx.keys();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: grant.scopes.join(' '), client_id: grant.clientId })
    .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: 'at+jwt' })
    .setIssuer(ctx.cfg.issuer)
    .setAudience(ctx.cfg.resource)
    .setSubject(grant.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ctx.cfg.accessTokenTtlSec)
    .setJti(randomBytes(16).toString('base64url'))
    .sign(keys.privateKey);
}

/** The token response (RFC 6749 section 5.1), never cached. */
async function tokenResponse(
  ctx: FacadeContext,
  grant: Pick<CodeGrant, 'clientId' | 'scopes' | 'subject'>,
  refreshToken: string | undefined,
): Promise<Response> {
  const body = {
    access_token: await signAccessToken(ctx, grant),
    token_type: 'Bearer',
    expires_in: ctx.cfg.accessTokenTtlSec,
    scope: grant.scopes.join(' '),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
  return Response.json(body, { status: 200, headers: { 'cache-control': 'no-store', pragma: 'no-cache' } });
}

/** Handles POST /oauth/token. `onReplay` hears of a replayed code or refresh token (client id only, never the secret). */
export async function handleToken(
  request: Request,
  ctx: FacadeContext,
  onReplay: (what: 'code' | 'refresh_token', clientId: string) => void = () => {},
): Promise<Response> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    throw new FacadeError('invalid_request', 'the token request must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams((await request.text()).slice(0, 16_384));
  for (const k of [
    'grant_type',
    'code',
    'redirect_uri',
    'client_id',
    'client_secret',
    'code_verifier',
    'resource',
    'refresh_token',
    'scope',
  ]) {
    if (form.getAll(k).length > 1) throw new FacadeError('invalid_request', `${k} is repeated`);
  }
  const resource = form.get('resource');
  if (resource !== null && resource !== ctx.cfg.resource) {
    throw new FacadeError('invalid_target', 'resource must be the MCP server this authorization server serves');
  }
  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code' && (grantType !== 'refresh_token' || ctx.cfg.refreshTtlSec === 0)) {
    throw new FacadeError('unsupported_grant_type', 'only authorization_code and refresh_token are supported');
  }
  const clientId = await authenticateClient(request, form, ctx);
  if (grantType === 'refresh_token') {
    const { grant, refreshToken } = await redeemRefreshToken(form, clientId, ctx, onReplay);
    return tokenResponse(ctx, grant, refreshToken);
  }
  const code = form.get('code');
  if (!code) throw new FacadeError('invalid_request', 'code is required');
  const used = await ctx.store.consume<CodeGrant>('code', digest(code));
  if (used.state === 'absent') throw new FacadeError('invalid_grant', 'the code is unknown or expired');
  if (used.state === 'replayed') {
    if (used.data.family) await revokeFamily(ctx, used.data.family);
    onReplay('code', used.data.clientId);
    throw new FacadeError('invalid_grant', 'the code was already used');
  }
  const grant = used.data;
  if (grant.clientId !== clientId) throw new FacadeError('invalid_grant', 'the code was issued to another client');
  if (form.get('redirect_uri') !== grant.redirectUri) {
    throw new FacadeError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  if (!verifierMatches(form.get('code_verifier'), grant.codeChallenge)) {
    throw new FacadeError('invalid_grant', 'the code_verifier does not match the code_challenge');
  }
  const refreshToken = grant.family ? await startFamily(ctx, { ...grant, family: grant.family }) : undefined;
  return tokenResponse(ctx, grant, refreshToken);
}
