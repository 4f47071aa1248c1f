// The upstream IdP, as the façade's ONE pre-registered confidential client sees it: metadata discovery (the MCP
// spec's order, lib/auth/discovery.ts), the server-to-server code exchange, and the ID token check (jose, against
// the upstream JWKS: exact iss, aud = our client id, our nonce). The upstream tokens never leave this module's caller.
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { authorizationServerMetadataUrls } from '../auth/discovery.ts';
import type { FacadeConfig } from './config.ts';
import { FacadeError } from './errors.ts';

export interface UpstreamMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  jwks: JWTVerifyGetKey;
}

/** Discovers the upstream's metadata; the document's issuer must be the configured one (RFC 8414 section 3.3). */
export async function discoverUpstream(cfg: FacadeConfig): Promise<UpstreamMetadata> {
  for (const url of authorizationServerMetadataUrls(cfg.upstream.issuer)) {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(cfg.upstreamTimeoutMs),
      });
    } catch {
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      continue;
    }
    const doc = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (doc.issuer !== cfg.upstream.issuer) continue;
    const ok = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'].every((k) => typeof doc[k] === 'string');
    if (!ok) continue;
    return {
      issuer: cfg.upstream.issuer,
      authorization_endpoint: doc.authorization_endpoint as string,
      token_endpoint: doc.token_endpoint as string,
      jwks_uri: doc.jwks_uri as string,
      jwks: createRemoteJWKSet(new URL(doc.jwks_uri as string), {
        timeoutDuration: cfg.upstreamTimeoutMs,
        cooldownDuration: 30_000,
      }),
    };
  }
  throw new FacadeError('temporarily_unavailable', 'the upstream identity provider has no usable metadata', 503);
}

export interface UpstreamGrant {
  subject: string;
  /** The token response's `scope`, undefined when the IdP left it out. */
  scope: string | undefined;
}

/** Exchanges the upstream code (client_secret_basic + PKCE) and reads the subject from the verified ID token. */
export async function exchangeUpstreamCode(
  cfg: FacadeConfig,
  meta: UpstreamMetadata,
  clientSecret: string | undefined,
  input: { code: string; verifier: string; redirectUri: string; nonce: string },
): Promise<UpstreamGrant> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.verifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (clientSecret !== undefined && cfg.upstream.authMethod === 'client_secret_post') {
    body.set('client_id', cfg.upstream.clientId);
    body.set('client_secret', clientSecret);
  } else if (clientSecret !== undefined) {
    const basic = `${encodeURIComponent(cfg.upstream.clientId)}:${encodeURIComponent(clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else body.set('client_id', cfg.upstream.clientId);
  if (cfg.upstream.resource) body.set('resource', cfg.upstream.resource);
  let json: Record<string, unknown>;
  try {
    const res = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(cfg.upstreamTimeoutMs),
    });
    json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok)
      throw new FacadeError(
        'access_denied',
        `the identity provider refused the code (${String(json.error ?? res.status)})`,
      );
  } catch (err) {
    if (err instanceof FacadeError) throw err;
    throw new FacadeError('temporarily_unavailable', 'the identity provider did not answer in time', 503);
  }
  if (typeof json.id_token !== 'string') {
    throw new FacadeError('access_denied', 'the identity provider returned no ID token (ask it for the openid scope)');
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(json.id_token, meta.jwks, {
      issuer: cfg.upstream.issuer,
      audience: cfg.upstream.clientId,
      algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'RS384', 'RS512', 'PS384', 'PS512', 'EdDSA'],
      clockTolerance: 30,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch {
    throw new FacadeError('access_denied', 'the identity provider ID token did not verify');
  }
  if (payload.nonce !== input.nonce)
    throw new FacadeError('access_denied', 'the identity provider ID token has the wrong nonce');
  return { subject: String(payload.sub), scope: typeof json.scope === 'string' ? json.scope : undefined };
}
