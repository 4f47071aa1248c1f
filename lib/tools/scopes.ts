// Scope declarations: what a tool may say about a scope, and the rules every derived artefact follows
// (the PRM, the Keycloak realm, the embedded dev AS, the start-up checks). Pure; no zod, no SDK.

/** A scope a tool needs: its name, or the name with a description and whether it is administrative. */
export type ScopeDeclaration = string | { name: string; description?: string; admin?: boolean };

/** A declaration, normalised. */
export interface ScopeInfo {
  name: string;
  /** Shown on consent screens (Keycloak) and in the realm; optional. */
  description?: string;
  /** Administrative: the local `dev` user gets it, `viewer` does not. */
  admin: boolean;
}

/** RFC 6749 section 3.3 scope-token: printable ASCII without space, `"` and `\` (so it fits a challenge). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

/**
 * Scopes the authorization server owns (OpenID Connect and Keycloak's built-in client scopes): a tool that
 * declared one would rewrite what every login means.
 */
export const RESERVED_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
  'roles',
  'web-origins',
  'acr',
  'basic',
  'microprofile-jwt',
  'organization',
  'service_account',
]);

export class ScopeError extends Error {
  readonly code = 'invalid_scope_declaration';
  constructor(message: string) {
    super(message);
    this.name = 'ScopeError';
  }
}

/** Checks and normalises a tool's declarations (each scope once, in declared order). Throws a ScopeError. */
export function normaliseScopes(declared: readonly ScopeDeclaration[]): ScopeInfo[] {
  if (!Array.isArray(declared)) throw new ScopeError('scopes must be an array');
  const out = new Map<string, ScopeInfo>();
  for (const d of declared) {
    const info: ScopeInfo =
      typeof d === 'string'
        ? { name: d, admin: false }
        : {
            name: d?.name,
            admin: d?.admin === true,
            ...(typeof d?.description === 'string' && d.description.trim()
              ? { description: d.description.trim() }
              : {}),
          };
    if (typeof info.name !== 'string' || !SCOPE_TOKEN.test(info.name)) {
      throw new ScopeError(
        `scope ${JSON.stringify(info.name)} is not a scope token (printable ASCII, no spaces, quotes or backslashes)`,
      );
    }
    if (RESERVED_SCOPES.has(info.name)) {
      throw new ScopeError(`scope "${info.name}" belongs to the authorization server; name your own (e.g. app:read)`);
    }
    out.set(info.name, mergeScope(out.get(info.name), info));
  }
  return [...out.values()];
}

/** Two declarations of one scope: administrative if either says so (least privilege), first description wins. */
export function mergeScope(a: ScopeInfo | undefined, b: ScopeInfo): ScopeInfo {
  if (!a) return b;
  const description = a.description ?? b.description;
  return { name: a.name, admin: a.admin || b.admin, ...(description ? { description } : {}) };
}

/** The union of several tools' scopes, in first-seen order, merged by name. */
export function mergeScopes(lists: Iterable<readonly ScopeInfo[]>): ScopeInfo[] {
  const out = new Map<string, ScopeInfo>();
  for (const list of lists) for (const s of list) out.set(s.name, mergeScope(out.get(s.name), s));
  return [...out.values()];
}

/**
 * The dev users' grant rule, shared by the Keycloak realm and the embedded dev AS: `dev` holds every scope,
 * `viewer` every scope that is not administrative. `base` (AUTH_REQUIRED_SCOPES) goes to both.
 */
export function grantsFor(user: 'dev' | 'viewer', base: readonly string[], declared: readonly ScopeInfo[]): string[] {
  const names = declared.filter((s) => user === 'dev' || !s.admin).map((s) => s.name);
  return [...new Set([...base, ...names])];
}
