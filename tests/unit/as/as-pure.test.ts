// Pure pieces of the auth-server tooling: Java version parsing, the AS choice, the realm template, HTML form
// parsing (the discovery order is tests/unit/auth/discovery.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseAuthServerKind, parseAuthServerChoice } from '../../../local/as.ts';
import { loginForm } from '../../../local/dev-as.ts';
import { parseJavaMajor } from '../../../local/java.ts';
import { REALM_TEMPLATE, renderRealm } from '../../../local/keycloak.ts';
import { parseForms } from '../../../local/oauth-login.ts';

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('no java here')).toBeUndefined();
  });
});

describe('AS choice', () => {
  it('auto picks Keycloak only with Java; explicit kinds win', () => {
    expect(chooseAuthServerKind('auto', true)).toBe('keycloak');
    expect(chooseAuthServerKind('auto', false)).toBe('embedded');
    expect(chooseAuthServerKind('keycloak', false)).toBe('keycloak');
    expect(chooseAuthServerKind('embedded', true)).toBe('embedded');
  });
  it('parses AS and rejects unknown values', () => {
    expect(parseAuthServerChoice(undefined)).toBe('auto');
    expect(parseAuthServerChoice(' Keycloak ')).toBe('keycloak');
    expect(() => parseAuthServerChoice('auth0')).toThrow(/AS must be/);
  });
});

describe('realm template', () => {
  const template = readFileSync(REALM_TEMPLATE, 'utf8');
  const realm = JSON.parse(renderRealm(template, { MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' }));

  it('substitutes every placeholder, JSON-safely', () => {
    const rendered = renderRealm(template, { MCP_PUBLIC_URL: 'https://x.example/m"cp' });
    expect(rendered).not.toContain('${');
    expect(() => JSON.parse(rendered)).not.toThrow();
    expect(JSON.stringify(realm)).toContain('https://mcp.example.com/mcp');
  });

  it('puts the MCP URL in aud through mcp:tools, which every new client gets by default', () => {
    const tools = realm.clientScopes.find((s: { name: string }) => s.name === 'mcp:tools');
    const audience = tools.protocolMappers.find(
      (m: { config: Record<string, string> }) => m.config['included.custom.audience'],
    );
    expect(audience.protocolMapper).toBe('oidc-audience-mapper');
    expect(audience.config['included.custom.audience']).toBe('https://mcp.example.com/mcp');
    expect(realm.defaultDefaultClientScopes).toContain('mcp:tools');
    // 'audience resolve' is what adds `account` to aud; the realm must not have it.
    expect(JSON.stringify(realm)).not.toContain('oidc-audience-resolve-mapper');
    const server = realm.clients.find((c: { clientId: string }) => c.clientId === 'mcp-server');
    expect(server.attributes.resource_url).toBe('https://mcp.example.com/mcp');
  });

  it('grants mcp:admin only through the mcp-admin role, which only dev holds', () => {
    expect(realm.scopeMappings).toContainEqual({ clientScope: 'mcp:admin', roles: ['mcp-admin'] });
    const roles = Object.fromEntries(
      realm.users.map((u: { username: string; realmRoles: string[] }) => [u.username, u.realmRoles]),
    );
    expect(roles.dev).toContain('mcp-admin');
    expect(roles.viewer).not.toContain('mcp-admin');
  });

  it('limits anonymous DCR to trusted hosts, allowed scopes and a client count', () => {
    const policies = realm.components[
      'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy'
    ].filter((c: { subType: string }) => c.subType === 'anonymous');
    const byId = Object.fromEntries(policies.map((p: { providerId: string }) => [p.providerId, p]));
    expect(byId['trusted-hosts'].config['trusted-hosts'].sort()).toEqual([
      '127.0.0.1',
      'chatgpt.com',
      'claude.ai',
      'localhost',
    ]);
    expect(byId['trusted-hosts'].config['client-uris-must-match']).toEqual(['true']);
    expect(byId['allowed-client-templates'].config['allowed-client-scopes']).toEqual(
      expect.arrayContaining(['mcp:tools', 'mcp:admin']),
    );
    expect(Number(byId['max-clients'].config['max-clients'][0])).toBeGreaterThan(0);
  });

  it('requires PKCE S256 for public clients and holds no key material', () => {
    const pkce = realm.clientPolicies.policies.find((p: { name: string }) => p.name === 'mcp-public-clients-pkce');
    expect(pkce.conditions[0]).toEqual({ condition: 'client-access-type', configuration: { type: ['public'] } });
    const inspector = realm.clients.find((c: { clientId: string }) => c.clientId === 'mcp-inspector');
    expect(inspector.publicClient).toBe(true);
    expect(inspector.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(template).not.toMatch(/PRIVATE KEY|"privateKey"|"keys"\s*:/);
  });
});

describe('parseForms', () => {
  it('reads the dev AS login form, escaping included', () => {
    const html = loginForm('/realms/mcp/interaction/a"b/login', '<client>', 'mcp:tools');
    expect(html).not.toContain('<client>');
    const [form] = parseForms(html, 'http://127.0.0.1:8080/realms/mcp/interaction/x');
    expect(form!.action).toBe('http://127.0.0.1:8080/realms/mcp/interaction/a%22b/login');
    expect(form!.method).toBe('post');
    expect(form!.fields.map((f) => [f.name, f.type])).toEqual([
      ['username', 'text'],
      ['password', 'password'],
    ]);
  });
  it('reads a Keycloak-style consent form with entity-encoded action and hidden fields', () => {
    const html = `<form class="x" action="http://h/realms/mcp/login-actions/consent?session_code=a&amp;tab_id=b" method="POST">
      <input type="hidden" name="code" value="c1"><input name="accept" id="kc-login" type="submit" value="Yes"/>
      <input name="cancel" type="submit" value="No"/></form>`;
    const [form] = parseForms(html, 'http://h/');
    expect(form!.action).toBe('http://h/realms/mcp/login-actions/consent?session_code=a&tab_id=b');
    expect(form!.fields).toEqual([
      { name: 'code', value: 'c1', type: 'hidden' },
      { name: 'accept', value: 'Yes', type: 'submit' },
      { name: 'cancel', value: 'No', type: 'submit' },
    ]);
  });
});
