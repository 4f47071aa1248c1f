// Where an authorization server publishes its metadata, in the one order this project uses everywhere:
// the resource server looking for jwks_uri (jwks.ts), `npm run token` (local/oauth-login.ts) and the
// doctor (doctor/step-as.ts). Pure: no fetch here.

/**
 * The AS metadata URLs for `issuer`, in the order MCP clients MUST try them (MCP 2025-11-25 authorization,
 * "Authorization Server Metadata Discovery", after RFC 8414 sections 3.1 and 5):
 * - issuer with a path (`https://as.example/realms/mcp`): RFC 8414 path insertion
 *   (`/.well-known/oauth-authorization-server/realms/mcp`), OIDC path insertion
 *   (`/.well-known/openid-configuration/realms/mcp`), OIDC path appending (`/realms/mcp/.well-known/openid-configuration`);
 * - issuer without one: `/.well-known/oauth-authorization-server`, then `/.well-known/openid-configuration`.
 *
 * Trailing slashes on the issuer path are ignored, and so are a query and a fragment (an issuer has neither,
 * RFC 8414 section 2). Throws a TypeError when `issuer` is not an absolute URL.
 */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  if (!path) {
    return [`${u.origin}/.well-known/oauth-authorization-server`, `${u.origin}/.well-known/openid-configuration`];
  }
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}/.well-known/openid-configuration${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}
