// GET /oauth/authorize and POST /oauth/consent: the client-facing half of the code flow.
// Client and redirect URI are checked first; until both are trusted, errors are shown as a page and never
// redirected (RFC 6749 section 4.1.2.1). Then: PKCE S256 required, resource must be the MCP resource, scopes
// narrowed to scopes_supported, consent (a page bound to this browser by a SameSite cookie, unless
// FACADE_AUTO_CONSENT), and only then the redirect to the upstream IdP with the façade's own client, PKCE and state.
import { randomBytes } from 'node:crypto';
import { fetchCimdClient, isCimdClientId } from './cimd.ts';
import type { FacadeClient } from './client.ts';
import { endpoints, type FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { consentPage, errorPage } from './html.ts';
import { isS256Challenge, s256 } from './pkce.ts';
import { CONSENT_COOKIE, consentCookie, cookieValue, digest, redirectTo, sameSecret } from './redirect.ts';
import { redirectUriRegistered } from './redirect-uri.ts';
import { requestedScopes, splitScopes, upstreamScope } from './scopes.ts';

/** What the façade remembers of an authorization request between the client and the upstream. */
export interface PendingAuthorization {
  clientId: string;
  clientName: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scopes: string[];
  /** The client registered the refresh_token grant (and the façade issues refresh tokens). */
  refresh: boolean;
  csrfDigest: string;
}

/** An upstream flow, keyed by the upstream state. */
export interface UpstreamFlow extends PendingAuthorization {
  verifier: string;
  nonce: string;
}

const random = () => randomBytes(32).toString('base64url');

async function resolveClient(clientId: string, ctx: FacadeContext): Promise<FacadeClient | undefined> {
  if (isCimdClientId(clientId, ctx.cfg.cimdAllowPrivate)) return fetchCimdClient(clientId, ctx);
  return ctx.store.get<FacadeClient>('client', clientId);
}

/** Handles GET /oauth/authorize. */
export async function handleAuthorize(request: Request, ctx: FacadeContext): Promise<Response> {
  const q = new URL(request.url).searchParams;
  const one = (k: string) => (q.getAll(k).length > 1 ? null : (q.get(k) ?? undefined));
  const clientId = one('client_id');
  const redirectUri = one('redirect_uri');
  if (!clientId) return errorPage(400, 'The request names no client (client_id).');
  let client: FacadeClient | undefined;
  try {
    client = await resolveClient(clientId, ctx);
  } catch (err) {
    if (err instanceof FacadeError) return errorPage(400, `The client cannot be used: ${err.message}.`);
    throw err;
  }
  if (!client) return errorPage(400, 'The client is not registered here.');
  if (!redirectUri || !redirectUriRegistered(client.redirect_uris, redirectUri)) {
    return errorPage(400, 'The redirect_uri is not one this client registered.');
  }
  const state = one('state');
  const fail = (error: string, description: string) =>
    redirectTo(redirectUri, { error, error_description: description, state: state ?? undefined, iss: ctx.cfg.issuer });
  if (state === null || (state && state.length > 1024)) return fail('invalid_request', 'state is repeated or too long');
  if (one('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (one('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE with S256 is required');
  const challenge = one('code_challenge');
  if (!isS256Challenge(challenge)) return fail('invalid_request', 'code_challenge is not an S256 challenge');
  const resources = q.getAll('resource');
  if (resources.length > 1 || (resources.length === 1 && resources[0] !== ctx.cfg.resource)) {
    return fail('invalid_target', 'resource must be the MCP server this authorization server serves');
  }
  const scopes = requestedScopes(splitScopes(one('scope')), ctx.cfg.scopesSupported, ctx.cfg.requiredScopes);
  if (scopes.length === 0) return fail('invalid_scope', 'none of the requested scopes is supported');

  const csrf = random();
  const pending: PendingAuthorization = {
    clientId,
    clientName: client.client_name ?? clientId,
    redirectUri,
    state: state ?? undefined,
    codeChallenge: challenge,
    scopes,
    refresh: ctx.cfg.refreshTtlSec > 0 && client.grant_types.includes('refresh_token'),
    csrfDigest: digest(csrf),
  };
  if (ctx.cfg.autoConsent) return startUpstream(pending, ctx);
  const pendingId = random();
  await ctx.store.create('pending', pendingId, pending, ctx.cfg.pendingTtlSec);
  return consentPage(
    {
      action: endpoints(ctx.cfg.issuer).consent,
      pendingId,
      csrf,
      clientName: pending.clientName,
      clientId,
      redirectUri,
      scopes,
      resource: ctx.cfg.resource,
    },
    consentCookie(csrf, ctx.cfg.issuer, ctx.cfg.pendingTtlSec),
  );
}

/** Handles POST /oauth/consent: the decision must come from the browser that was shown the page. */
export async function handleConsent(request: Request, ctx: FacadeContext): Promise<Response> {
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null' && origin !== new URL(ctx.cfg.issuer).origin) {
    return errorPage(403, 'The consent came from another site.');
  }
  if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    return errorPage(400, 'The consent must be a form post.');
  }
  const form = new URLSearchParams((await request.text()).slice(0, 8192));
  const pendingId = form.get('request') ?? '';
  const csrf = form.get('csrf') ?? '';
  const cookie = cookieValue(request.headers.get('cookie'), CONSENT_COOKIE) ?? '';
  // Taken (deleted) before any check: a consent request is answered once, whatever the outcome.
  const pending = pendingId ? await ctx.store.take<PendingAuthorization>('pending', pendingId) : undefined;
  if (!pending) return errorPage(400, 'This authorization request is unknown, expired or already answered.');
  if (!csrf || !cookie || !sameSecret(csrf, cookie) || digest(csrf) !== pending.csrfDigest) {
    return errorPage(403, 'The consent did not come from the page this browser was shown.');
  }
  if (form.get('decision') !== 'approve') {
    return redirectTo(pending.redirectUri, {
      error: 'access_denied',
      error_description: 'the user denied access',
      state: pending.state,
      iss: ctx.cfg.issuer,
    });
  }
  return startUpstream(pending, ctx);
}

/** Stores the upstream flow and redirects the browser to the upstream IdP with the façade's own client. */
async function startUpstream(pending: PendingAuthorization, ctx: FacadeContext): Promise<Response> {
  const meta = await ctx.upstream();
  const flow: UpstreamFlow = { ...pending, verifier: random(), nonce: random() };
  const upstreamState = random();
  await ctx.store.create('flow', upstreamState, flow, ctx.cfg.pendingTtlSec);
  const u = new URL(meta.authorization_endpoint);
  const up = ctx.cfg.upstream;
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', up.clientId);
  u.searchParams.set('redirect_uri', endpoints(ctx.cfg.issuer).callback);
  u.searchParams.set('scope', upstreamScope(pending.scopes, up.loginScopes, up.scopePrefix));
  u.searchParams.set('state', upstreamState);
  u.searchParams.set('nonce', flow.nonce);
  u.searchParams.set('code_challenge', s256(flow.verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  if (up.resource) u.searchParams.set('resource', up.resource);
  if (up.audience) u.searchParams.set('audience', up.audience);
  return new Response(null, { status: 302, headers: { location: u.href, 'cache-control': 'no-store' } });
}
