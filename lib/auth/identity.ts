// Identity: who a verified access token says the caller is, from verification to the MCP SDK's AuthInfo,
// the tools and the audit record: one type, packed into AuthInfo once (toAuthInfo) and read back as is
// (identityOf). It never holds the token itself.
import type { AuthInfo } from '@modelcontextprotocol/server';

export interface Identity {
  /** `sub`, or the client id for tokens without a subject (client credentials). */
  subject: string;
  /** `client_id`, else `azp`; undefined when the token names no client. */
  clientId: string | undefined;
  scopes: string[];
  /** `exp` in seconds since the epoch (0 for the anonymous identity). */
  expiresAt: number;
  issuer: string;
  jti?: string;
  sid?: string;
  /** Roles/groups from the auth profile's role claims (for Cedar policies). */
  roles?: string[];
  /** AUTH_POLICY_CLAIMS claims the token carries (for Cedar policies); strings or lists of strings. */
  claims?: Record<string, string | string[]>;
}

/** Where the identity travels inside the SDK's AuthInfo (`extra` is the SDK's slot for our data). */
const KEY = 'identity';

function isIdentity(value: unknown): value is Identity {
  const v = value as Partial<Identity> | undefined;
  return typeof v === 'object' && v !== null && typeof v.subject === 'string' && Array.isArray(v.scopes);
}

/**
 * The SDK's AuthInfo for an identity. `token` is deliberately '': the bearer token never leaves lib/auth
 * (no passthrough to tools, no logging), so nothing downstream can forward or leak it.
 */
export function toAuthInfo(identity: Identity, resource?: { audience: string; resourceMetadataUrl: string }): AuthInfo {
  const info: AuthInfo = {
    token: '',
    clientId: identity.clientId ?? '',
    scopes: [...identity.scopes],
    extra: { [KEY]: identity },
  };
  if (identity.expiresAt > 0) info.expiresAt = identity.expiresAt;
  if (resource) {
    info.resource = new URL(resource.audience);
    info.resourceMetadataUrl = resource.resourceMetadataUrl;
  }
  return info;
}

/** The identity toAuthInfo packed; with no AuthInfo (or a foreign one), an anonymous identity with no scopes. */
export function identityOf(authInfo: AuthInfo | undefined): Identity {
  const identity = authInfo?.extra?.[KEY];
  if (isIdentity(identity)) return identity;
  return { subject: 'anonymous', clientId: undefined, scopes: [], expiresAt: 0, issuer: '' };
}
