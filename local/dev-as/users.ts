// The embedded dev AS's scopes and users, from the same declarations as the Keycloak realm: the required scopes
// (AUTH_REQUIRED_SCOPES, `mcp:tools`) and every scope the served tools declare. `dev` holds all of them, `viewer`
// all but the administrative ones (lib/tools grantsFor: the rule local/realm.ts applies to Keycloak too).
import { toolManifest } from '../../generated/tool-manifest.ts';
import { declaredScopes, grantsFor, type ScopeInfo } from '../../lib/tools/index.ts';

export interface DevUser {
  username: string;
  password: string;
  /** Resource scopes this user may be granted. */
  scopes: string[];
  name: string;
  email: string;
}

/** What the dev AS offers: the scopes every request needs, and the scopes the tools declare. */
export interface DevScopes {
  required: readonly string[];
  declared: readonly ScopeInfo[];
}

/** The committed catalogue's scopes with the demo tools on (the `npm start` default); start.ts passes its own. */
export function defaultDevScopes(): DevScopes {
  return { required: ['mcp:tools'], declared: declaredScopes({ tools: toolManifest }, true) };
}

/** Every resource scope the dev AS knows (pure). */
export function mcpScopesOf(scopes: DevScopes): string[] {
  return [...new Set([...scopes.required, ...scopes.declared.map((s) => s.name)])];
}

/** dev / dev and viewer / viewer with their grants (pure). */
export function devUsers(scopes: DevScopes): DevUser[] {
  return [
    {
      username: 'dev',
      password: 'dev',
      scopes: grantsFor('dev', scopes.required, scopes.declared),
      name: 'Dev User',
      email: 'dev@example.invalid',
    },
    {
      username: 'viewer',
      password: 'viewer',
      scopes: grantsFor('viewer', scopes.required, scopes.declared),
      name: 'Viewer User',
      email: 'viewer@example.invalid',
    },
  ];
}

/** The user whose whole password matches (dev-only credentials, but never a prefix match). */
export function findDevUser(users: readonly DevUser[], username: string, password: string): DevUser | undefined {
  const user = users.find((u) => u.username === username);
  return user && user.password === password ? user : undefined;
}
