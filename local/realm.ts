// The Keycloak realm the local stack imports (and keycloak/realm-mcp.json, for compose and deployments), generated
// from the base realm (keycloak/base/realm-mcp.json: the clients, policies, dev users and the required scope
// mcp:tools) plus the scopes the tools declare. Pure: base realm in, realm out.
//
// For each declared scope S that the base realm does not already have:
// - a client scope S (in the token's `scope`, on the consent screen) with the base MCP scope's audience mappers,
//   so a token that carries only S still names the MCP URL in `aud`;
// - a realm role roleFor(S) (`mcp:admin` -> `mcp-admin`) and the scope mapping S -> that role, so Keycloak drops S
//   from the token of a user without the role;
// - S among the realm's default optional scopes and the optional scopes of every pre-registered MCP client (a
//   client whose default scopes include a base MCP scope), and in the anonymous and authenticated DCR
//   "Allowed Client Scopes" policies;
// - the role for the dev users by the one grant rule (lib/tools grantsFor): `dev` every scope, `viewer` every scope
//   that is not administrative.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { grantsFor, RESERVED_SCOPES, type ScopeInfo } from '../lib/tools/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BASE_REALM_FILE = path.join(ROOT, 'keycloak', 'base', 'realm-mcp.json');
export const GENERATED_REALM_FILE = path.join(ROOT, 'keycloak', 'realm-mcp.json');
const REGISTRATION_POLICY = 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy';

interface ClientScope {
  name: string;
  description?: string;
  protocol?: string;
  attributes?: Record<string, string>;
  protocolMappers?: Array<Record<string, unknown>>;
}
interface Client {
  clientId: string;
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
}
interface User {
  username: string;
  realmRoles?: string[];
}
interface Policy {
  providerId: string;
  subType?: string;
  config: Record<string, string[]>;
}
export interface RealmJson {
  roles: { realm: Array<{ name: string; description?: string }> };
  users: User[];
  clientScopes: ClientScope[];
  defaultDefaultClientScopes: string[];
  defaultOptionalClientScopes: string[];
  scopeMappings: Array<{ clientScope: string; roles: string[] }>;
  clients: Client[];
  components: Record<string, Policy[]>;
  [key: string]: unknown;
}

export class RealmError extends Error {
  readonly code = 'realm_generation';
}

export function readBaseRealm(file = BASE_REALM_FILE): RealmJson {
  return JSON.parse(readFileSync(file, 'utf8')) as RealmJson;
}

/** The realm role that grants scope `s`: every character outside A-Z a-z 0-9 _ . - becomes `-`. */
export function roleFor(scope: string): string {
  return scope.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** The base realm's MCP scopes: its default client scopes that the authorization server does not own. */
export function baseMcpScopes(base: RealmJson): string[] {
  return base.defaultDefaultClientScopes.filter((s) => !RESERVED_SCOPES.has(s));
}

const pushOnce = (list: string[], value: string) => {
  if (!list.includes(value)) list.push(value);
};

/** The base realm plus every declared scope (see the header). Throws a RealmError on a role name clash. */
export function generateRealm(base: RealmJson, declared: readonly ScopeInfo[]): RealmJson {
  const realm = structuredClone(base);
  const mcpScopes = baseMcpScopes(realm);
  const template = realm.clientScopes.find((s) => s.name === mcpScopes[0]);
  if (!template) throw new RealmError('the base realm has no MCP client scope among its default client scopes');
  const existing = new Set(realm.clientScopes.map((s) => s.name));
  const added = declared.filter((s) => !existing.has(s.name));

  const roleOwner = new Map(realm.roles.realm.map((r) => [r.name, 'the base realm']));
  for (const s of added) {
    const role = roleFor(s.name);
    const owner = roleOwner.get(role);
    if (owner) throw new RealmError(`scope ${s.name} needs realm role ${role}, which ${owner} already has`);
    roleOwner.set(role, `scope ${s.name}`);
  }

  for (const s of added) {
    const role = roleFor(s.name);
    const text = s.description ?? `Scope ${s.name}`;
    realm.roles.realm.push({
      name: role,
      description: `Grants the ${s.name} scope${s.admin ? ' (administrative)' : ''}`,
    });
    realm.clientScopes.push({
      name: s.name,
      description: `${text}; only granted to users with the ${role} realm role`,
      protocol: template.protocol ?? 'openid-connect',
      attributes: {
        'include.in.token.scope': 'true',
        'display.on.consent.screen': 'true',
        'consent.screen.text': text,
      },
      protocolMappers: structuredClone(template.protocolMappers ?? []),
    });
    pushOnce(realm.defaultOptionalClientScopes, s.name);
    realm.scopeMappings.push({ clientScope: s.name, roles: [role] });
    for (const client of realm.clients) {
      if (!(client.defaultClientScopes ?? []).some((d) => mcpScopes.includes(d))) continue;
      client.optionalClientScopes ??= [];
      pushOnce(client.optionalClientScopes, s.name);
    }
    for (const policy of realm.components[REGISTRATION_POLICY] ?? []) {
      if (policy.providerId !== 'allowed-client-templates') continue;
      policy.config['allowed-client-scopes'] ??= [];
      pushOnce(policy.config['allowed-client-scopes'], s.name);
    }
  }

  for (const user of realm.users) {
    if (user.username !== 'dev' && user.username !== 'viewer') continue;
    user.realmRoles ??= [];
    for (const scope of grantsFor(user.username, [], added)) pushOnce(user.realmRoles, roleFor(scope));
  }
  return realm;
}

/** The realm as the file holds it (2-space JSON and a final newline, so regenerating an unchanged realm is a no-op). */
export function realmText(realm: RealmJson): string {
  return `${JSON.stringify(realm, null, 2)}\n`;
}
