// The pure decisions inside verify.ts and jwks.ts.

import { describe, expect, it } from 'vitest';
import { discoveryUrls } from '../../../lib/auth/jwks.ts';
import { looksLikeIdToken, scopesOf, tokenTypeAllowed } from '../../../lib/auth/verify.ts';

describe('tokenTypeAllowed', () => {
  it('refuses other token types', () => {
    for (const typ of ['id+jwt', 'dpop+jwt', 'logout+jwt', 'secevent+jwt', 'JOSE', '', 1, null]) {
      expect(tokenTypeAllowed(typ)).toBe(false);
    }
  });
  it('accepts at+jwt, application/at+jwt, JWT (any case) and an absent typ', () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', 'jwt', undefined]) {
      expect(tokenTypeAllowed(typ)).toBe(true);
    }
  });
});

describe('looksLikeIdToken', () => {
  it('flags Keycloak typ claims other than Bearer, and nonce/at_hash/c_hash without scopes', () => {
    expect(looksLikeIdToken({ typ: 'ID', scope: 'openid' })).toBe(true);
    expect(looksLikeIdToken({ typ: 'Refresh' })).toBe(true);
    expect(looksLikeIdToken({ typ: 7 as unknown as string })).toBe(true);
    expect(looksLikeIdToken({ nonce: 'n' })).toBe(true);
    expect(looksLikeIdToken({ at_hash: 'h' })).toBe(true);
    expect(looksLikeIdToken({ c_hash: 'h' })).toBe(true);
  });
  it('lets access tokens through', () => {
    expect(looksLikeIdToken({ typ: 'Bearer', scope: 'openid', nonce: 'n' })).toBe(false);
    expect(looksLikeIdToken({ scp: ['a'], at_hash: 'h' })).toBe(false);
    expect(looksLikeIdToken({})).toBe(false);
  });
});

describe('scopesOf', () => {
  it('reads scope and scp, ignoring non-strings and empties', () => {
    expect(scopesOf({ scope: ' a  b ' })).toEqual(['a', 'b']);
    expect(scopesOf({ scp: ['a', 3, 'b c'] as unknown as string[] })).toEqual(['a', 'b', 'c']);
    expect(scopesOf({ scope: 5 as unknown as string })).toEqual([]);
  });
});

describe('discoveryUrls', () => {
  it("tries the MCP spec's order (lib/auth/discovery.ts): RFC 8414 insertion, OIDC insertion, OIDC appending", () => {
    expect(discoveryUrls('https://as.example.com/realms/mcp')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/realms/mcp',
      'https://as.example.com/.well-known/openid-configuration/realms/mcp',
      'https://as.example.com/realms/mcp/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://as.example.com/')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ]);
  });
});
