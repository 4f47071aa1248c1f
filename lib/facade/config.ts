// The registration façade's variables, parsed once at init (fail fast, naming the variable). The façade is off
// unless FACADE_UPSTREAM_ISSUER is set; then the MCP function's AUTH_ISSUER must be FACADE_ISSUER.
//
//   FACADE_UPSTREAM_ISSUER        the IdP the façade logs users in at (its metadata is discovered)
//   FACADE_UPSTREAM_CLIENT_ID     the ONE client pre-registered at the IdP (redirect URI <issuer>/oauth/callback)
//   FACADE_UPSTREAM_CLIENT_SECRET its secret, in dev (in AWS: upstreamClientSecret in the FACADE_SECRET_ARN secret)
//   FACADE_UPSTREAM_SCOPE_PREFIX  prefix of the MCP scopes at the IdP (Cognito: https://mcp.example.com/), default ''
//   FACADE_UPSTREAM_LOGIN_SCOPES  extra scopes asked upstream, default 'openid'
//   FACADE_UPSTREAM_RESOURCE      RFC 8707 resource sent upstream (default none: Entra refuses it with scopes)
//   FACADE_UPSTREAM_AUDIENCE      Auth0's `audience` parameter (the API identifier), sent on the authorization request
//   FACADE_UPSTREAM_AUTH_METHOD   client_secret_basic (default) or client_secret_post, as the IdP's client is set up
//   FACADE_ISSUER                 the façade's issuer, default the origin of MCP_PUBLIC_URL
//   FACADE_SIGNING_KEY            private JWK (JSON, with kid) or PKCS#8 PEM, in dev
//   FACADE_PREVIOUS_SIGNING_KEY   the key before a rotation, still published in the JWKS (dev; AWS: previousSigningKey)
//   FACADE_SECRET_ARN             Secrets Manager secret {"signingKey": <JWK>, "upstreamClientSecret": "..."}
//   FACADE_TABLE                  DynamoDB table (STORE=dynamodb), default mcp-facade
//   FACADE_ACCESS_TOKEN_TTL_S     lifetime of the façade's access tokens, 60-3600, default 300
//   FACADE_REFRESH_TTL_S          absolute lifetime of a login's refresh tokens (rotated on use), 0 = none, default 28800
//   FACADE_AUTO_CONSENT           true skips the consent page (dev only), default false
//   FACADE_CIMD_ALLOW_PRIVATE     true lets CIMD fetch http and private/loopback addresses (dev only), default false
import type { Config, Env } from '../config.ts';
import { ConfigError } from '../config.ts';
import { splitScopes } from './scopes.ts';

export interface FacadeConfig {
  enabled: boolean;
  issuer: string;
  /** The MCP resource: the only `resource` and `aud` the façade deals in. */
  resource: string;
  scopesSupported: string[];
  requiredScopes: string[];
  upstream: {
    issuer: string;
    clientId: string;
    clientSecret: string | undefined;
    scopePrefix: string;
    loginScopes: string[];
    resource: string | undefined;
    /** Auth0's `audience` authorization parameter (its API identifier), without which it drops API scopes. */
    audience: string | undefined;
    authMethod: 'client_secret_basic' | 'client_secret_post';
  };
  signingKey: string | undefined;
  previousSigningKey: string | undefined;
  secretArn: string | undefined;
  store: Config['store'];
  table: string;
  accessTokenTtlSec: number;
  /** 0: no refresh tokens. */
  refreshTtlSec: number;
  codeTtlSec: number;
  pendingTtlSec: number;
  clientTtlSec: number;
  autoConsent: boolean;
  cimdAllowPrivate: boolean;
  /** Bounds of a CIMD fetch. */
  cimdMaxBytes: number;
  cimdTimeoutMs: number;
  upstreamTimeoutMs: number;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function url(name: string, value: string, stripSlash = true): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  return stripSlash ? value.replace(/\/+$/, '') : value;
}

function upstreamAuthMethod(env: Env): FacadeConfig['upstream']['authMethod'] {
  const raw = env.FACADE_UPSTREAM_AUTH_METHOD?.trim() || 'client_secret_basic';
  if (raw !== 'client_secret_basic' && raw !== 'client_secret_post') {
    throw new ConfigError(
      'FACADE_UPSTREAM_AUTH_METHOD',
      `must be client_secret_basic or client_secret_post, got "${raw}"`,
    );
  }
  return raw;
}

/** Parses the façade's variables on top of the functions' Config. Throws ConfigError. */
export function loadFacadeConfig(env: Env, cfg: Config): FacadeConfig {
  const upstreamIssuer = env.FACADE_UPSTREAM_ISSUER?.trim() ?? '';
  const enabled = upstreamIssuer !== '';
  const ttlRaw = env.FACADE_ACCESS_TOKEN_TTL_S?.trim() || '300';
  const ttl = Number(ttlRaw);
  if (!/^\d+$/.test(ttlRaw) || ttl < 60 || ttl > 3600) {
    throw new ConfigError(
      'FACADE_ACCESS_TOKEN_TTL_S',
      `must be a whole number of seconds from 60 to 3600, got "${ttlRaw}"`,
    );
  }
  const refreshRaw = env.FACADE_REFRESH_TTL_S?.trim() || '28800';
  const refresh = Number(refreshRaw);
  if (!/^\d+$/.test(refreshRaw) || refresh > 30 * 86_400) {
    throw new ConfigError(
      'FACADE_REFRESH_TTL_S',
      `must be a whole number of seconds from 0 to 2592000, got "${refreshRaw}"`,
    );
  }
  const clientId = env.FACADE_UPSTREAM_CLIENT_ID?.trim() ?? '';
  if (enabled && !clientId)
    throw new ConfigError('FACADE_UPSTREAM_CLIENT_ID', 'is required with FACADE_UPSTREAM_ISSUER');
  const signingKey = env.FACADE_SIGNING_KEY?.trim() || undefined;
  const secretArn = env.FACADE_SECRET_ARN?.trim() || undefined;
  if (enabled && !signingKey && !secretArn) {
    throw new ConfigError('FACADE_SIGNING_KEY', 'or FACADE_SECRET_ARN is required with FACADE_UPSTREAM_ISSUER');
  }
  return {
    enabled,
    issuer: url('FACADE_ISSUER', env.FACADE_ISSUER?.trim() || cfg.publicOrigin),
    resource: cfg.publicUrl,
    scopesSupported: cfg.auth.scopesSupported,
    requiredScopes: cfg.auth.requiredScopes,
    upstream: {
      // Exactly as given: the IdP's `iss` is compared byte for byte (Auth0's ends with a slash).
      issuer: enabled ? url('FACADE_UPSTREAM_ISSUER', upstreamIssuer, false) : '',
      clientId,
      clientSecret: env.FACADE_UPSTREAM_CLIENT_SECRET?.trim() || undefined,
      scopePrefix: env.FACADE_UPSTREAM_SCOPE_PREFIX?.trim() ?? '',
      loginScopes: splitScopes(env.FACADE_UPSTREAM_LOGIN_SCOPES?.trim() || 'openid'),
      resource: env.FACADE_UPSTREAM_RESOURCE?.trim() || undefined,
      audience: env.FACADE_UPSTREAM_AUDIENCE?.trim() || undefined,
      authMethod: upstreamAuthMethod(env),
    },
    signingKey,
    previousSigningKey: env.FACADE_PREVIOUS_SIGNING_KEY?.trim() || undefined,
    secretArn,
    store: cfg.store,
    table: env.FACADE_TABLE?.trim() || 'mcp-facade',
    accessTokenTtlSec: ttl,
    refreshTtlSec: refresh,
    codeTtlSec: 60,
    pendingTtlSec: 600,
    clientTtlSec: 30 * 86_400,
    autoConsent: flag(env, 'FACADE_AUTO_CONSENT'),
    cimdAllowPrivate: flag(env, 'FACADE_CIMD_ALLOW_PRIVATE'),
    cimdMaxBytes: 5 * 1024,
    cimdTimeoutMs: 3000,
    upstreamTimeoutMs: 5000,
  };
}
