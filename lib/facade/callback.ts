// GET /oauth/callback: the upstream IdP sends the browser back here. The upstream state is single-use (taken from
// the store); an unknown state is refused with a page, never redirected. The upstream code is exchanged
// server-to-server, and the client gets the façade's OWN code, bound to its client_id, redirect URI and PKCE
// challenge. No upstream token goes anywhere.
import { randomBytes } from 'node:crypto';
import type { UpstreamFlow } from './authorize.ts';
import { endpoints, type FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { errorPage } from './html.ts';
import { digest, redirectTo } from './redirect.ts';
import { grantedScopes } from './scopes.ts';
import { exchangeUpstreamCode } from './upstream.ts';

/** What an authorization code stands for (stored under the code's SHA-256). */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  subject: string;
  /** The token family this code's exchange starts (revoked when the code is replayed); absent: no refresh. */
  family?: string;
}

/** Handles GET /oauth/callback. */
export async function handleCallback(request: Request, ctx: FacadeContext): Promise<Response> {
  const q = new URL(request.url).searchParams;
  const state = q.get('state');
  const flow = state ? await ctx.store.take<UpstreamFlow>('flow', state) : undefined;
  if (!flow) return errorPage(400, 'Unknown, expired or already used state: start the sign-in again from your client.');
  const back = (error: string, description: string) =>
    redirectTo(flow.redirectUri, { error, error_description: description, state: flow.state, iss: ctx.cfg.issuer });
  const iss = q.get('iss');
  if (iss !== null && iss !== ctx.cfg.upstream.issuer)
    return back('access_denied', 'the response came from another issuer');
  if (q.get('error')) return back('access_denied', 'the identity provider did not authorize the request');
  const code = q.get('code');
  if (!code) return back('invalid_request', 'the identity provider returned no code');
  let scopes: string[];
  let subject: string;
  try {
    const keys = await ctx.keys();
    const grant = await exchangeUpstreamCode(ctx.cfg, await ctx.upstream(), keys.upstreamClientSecret, {
      code,
      verifier: flow.verifier,
      redirectUri: endpoints(ctx.cfg.issuer).callback,
      nonce: flow.nonce,
    });
    subject = grant.subject;
    scopes = grantedScopes(grant.scope, flow.scopes, ctx.cfg.scopesSupported, ctx.cfg.upstream.scopePrefix);
  } catch (err) {
    if (err instanceof FacadeError)
      return back(err.code === 'access_denied' ? 'access_denied' : 'temporarily_unavailable', err.message);
    throw err;
  }
  if (scopes.length === 0) return back('access_denied', 'the identity provider granted none of the requested scopes');
  const ours = randomBytes(32).toString('base64url');
  const grant: CodeGrant = {
    clientId: flow.clientId,
    redirectUri: flow.redirectUri,
    codeChallenge: flow.codeChallenge,
    scopes,
    subject,
    ...(flow.refresh ? { family: randomBytes(16).toString('base64url') } : {}),
  };
  await ctx.store.create('code', digest(ours), grant, ctx.cfg.codeTtlSec);
  return redirectTo(flow.redirectUri, { code: ours, state: flow.state, iss: ctx.cfg.issuer });
}
