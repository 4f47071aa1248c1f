// The local authorization servers follow the tools' scope declarations: the Keycloak realm generated from
// keycloak/base (local/realm.ts), the embedded dev AS's users (local/dev-as/users.ts), and the per-port Keycloak home.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devUsers, mcpScopesOf } from '../../../local/dev-as/users.ts';
import { instanceDir } from '../../../local/keycloak.ts';
import { baseMcpScopes, generateRealm, type RealmJson, readBaseRealm, roleFor } from '../../../local/realm.ts';

const base = readBaseRealm();
const declared = [
  { name: 'mcp:admin', admin: true, description: "Use the MCP server's admin tools" },
  { name: 'weather:write', admin: false, description: 'Change forecasts' },
  { name: 'weather:purge', admin: true },
];
const realm = generateRealm(base, declared);
const POLICY = 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy';
const scope = (r: RealmJson, name: string) => r.clientScopes.find((s) => s.name === name);
const user = (r: RealmJson, name: string) => r.users.find((u) => u.username === name)!;

describe('the generated Keycloak realm', () => {
  it('the base realm has only the required scope; the tools add theirs', () => {
    expect(baseMcpScopes(base)).toEqual(['mcp:tools']);
    expect(scope(base, 'mcp:admin')).toBeUndefined();
    expect(base.roles.realm.map((r) => r.name)).not.toContain('mcp-admin');
  });

  it('each declared scope: a client scope carrying the MCP audience mappers, a role, its mapping', () => {
    for (const s of declared) {
      const cs = scope(realm, s.name)!;
      expect(cs, s.name).toBeDefined();
      expect(cs.attributes?.['include.in.token.scope']).toBe('true');
      // The same audience mappers as mcp:tools: a token with only this scope still names the MCP URL in aud.
      expect(cs.protocolMappers).toEqual(scope(base, 'mcp:tools')!.protocolMappers);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the realm's placeholder, which Keycloak fills in
      expect(JSON.stringify(cs.protocolMappers)).toContain('${MCP_PUBLIC_URL}');
      expect(realm.roles.realm.map((r) => r.name)).toContain(roleFor(s.name));
      expect(realm.scopeMappings).toContainEqual({ clientScope: s.name, roles: [roleFor(s.name)] });
    }
    expect(roleFor('mcp:admin')).toBe('mcp-admin');
    expect(scope(realm, 'weather:write')!.attributes?.['consent.screen.text']).toBe('Change forecasts');
  });

  it('optional for the realm, the pre-registered MCP clients and both DCR allowed-scopes policies', () => {
    for (const s of declared) {
      expect(realm.defaultOptionalClientScopes).toContain(s.name);
      expect(realm.defaultDefaultClientScopes).not.toContain(s.name);
      for (const id of ['mcp-inspector', 'mcp-test']) {
        expect(realm.clients.find((c) => c.clientId === id)!.optionalClientScopes, id).toContain(s.name);
      }
      const allowed = realm.components[POLICY]!.filter((p) => p.providerId === 'allowed-client-templates');
      expect(allowed.map((p) => p.subType).sort()).toEqual(['anonymous', 'authenticated']);
      for (const p of allowed) expect(p.config['allowed-client-scopes']).toContain(s.name);
    }
    // The resource client stays without scopes.
    expect(realm.clients.find((c) => c.clientId === 'mcp-server')!.optionalClientScopes).toEqual([]);
  });

  it('dev holds every role, viewer all but the administrative ones', () => {
    expect(user(realm, 'dev').realmRoles).toEqual(
      expect.arrayContaining(['mcp-user', 'mcp-admin', 'weather-write', 'weather-purge']),
    );
    expect(user(realm, 'viewer').realmRoles).toContain('weather-write');
    expect(user(realm, 'viewer').realmRoles).not.toContain('mcp-admin');
    expect(user(realm, 'viewer').realmRoles).not.toContain('weather-purge');
  });

  it('leaves the base untouched, is stable, and refuses two scopes that would share a role', () => {
    expect(scope(base, 'weather:write')).toBeUndefined();
    expect(generateRealm(base, declared)).toEqual(realm);
    expect(generateRealm(base, [])).toEqual(base);
    expect(() =>
      generateRealm(base, [
        { name: 'a:b', admin: false },
        { name: 'a/b', admin: false },
      ]),
    ).toThrow('scope a/b needs realm role a-b, which scope a:b already has');
    expect(() => generateRealm(base, [{ name: 'mcp-user', admin: false }])).toThrow('which the base realm already has');
  });
});

describe('the embedded dev AS', () => {
  it('offers the required and declared scopes; dev gets all, viewer all but the administrative ones', () => {
    const scopes = { required: ['mcp:tools'], declared };
    expect(mcpScopesOf(scopes)).toEqual(['mcp:tools', 'mcp:admin', 'weather:write', 'weather:purge']);
    const [dev, viewer] = devUsers(scopes);
    expect(dev!.scopes).toEqual(['mcp:tools', 'mcp:admin', 'weather:write', 'weather:purge']);
    expect(viewer!.scopes).toEqual(['mcp:tools', 'weather:write']);
  });
});

describe('Keycloak homes', () => {
  it('one per port, inside the cache', () => {
    expect(instanceDir('/c', 8080)).toBe(path.join('/c', 'instances', '8080'));
    expect(instanceDir('/c', 8081)).not.toBe(instanceDir('/c', 8080));
  });
});
