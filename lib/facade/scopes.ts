// The scope mapping between the MCP client, the façade and the upstream IdP. Pure.
//
// Decision: the façade asks the upstream for the MCP scopes the client asked for (each with the optional upstream
// prefix, e.g. a Cognito resource-server identifier), plus the upstream's own login scopes (openid), and grants
//   (what the upstream's token response says it granted) ∩ (what the client asked for) ∩ scopes_supported.
// A token response without `scope` means "as requested" (RFC 6749 section 5.1), so the IdP stays the one that
// decides who gets mcp:admin (the dev AS grants it to dev, not to viewer).

/** Space-separated scope string -> unique tokens. Pure. */
export function splitScopes(scope: unknown): string[] {
  if (typeof scope !== 'string') return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/** The MCP scopes a client may ask for: its request ∩ supported; an empty request means the required scopes. */
export function requestedScopes(
  asked: readonly string[],
  supported: readonly string[],
  required: readonly string[],
): string[] {
  const wanted = asked.length ? asked : required;
  return wanted.filter((s) => supported.includes(s));
}

/** The scope string sent upstream: login scopes, then each MCP scope with the upstream prefix. Pure. */
export function upstreamScope(mcpScopes: readonly string[], loginScopes: readonly string[], prefix: string): string {
  return [...new Set([...loginScopes, ...mcpScopes.map((s) => `${prefix}${s}`)])].join(' ');
}

/** What the façade grants: upstream-granted (prefix stripped) ∩ requested ∩ supported. Pure. */
export function grantedScopes(
  upstreamGranted: string | undefined,
  requested: readonly string[],
  supported: readonly string[],
  prefix: string,
): string[] {
  if (upstreamGranted === undefined) return requested.filter((s) => supported.includes(s));
  const granted = new Set(
    splitScopes(upstreamGranted)
      .filter((s) => s.startsWith(prefix))
      .map((s) => s.slice(prefix.length)),
  );
  return requested.filter((s) => granted.has(s) && supported.includes(s));
}
