// The one authorization-server discovery order (lib/auth/discovery.ts), as the MCP 2025-11-25 authorization spec
// words it, and proof that the three users (the resource server's jwks_uri lookup, `npm run token`, the doctor) take
// it from there rather than keeping copies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorizationServerMetadataUrls } from '../../../lib/auth/discovery.ts';
import { discoveryUrls } from '../../../lib/auth/jwks.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

describe('authorizationServerMetadataUrls', () => {
  it('issuer with a path: RFC 8414 insertion, OIDC insertion, OIDC appending, in that order', () => {
    expect(authorizationServerMetadataUrls('https://auth.example.com/tenant1')).toEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://auth.example.com/.well-known/openid-configuration/tenant1',
      'https://auth.example.com/tenant1/.well-known/openid-configuration',
    ]);
    expect(authorizationServerMetadataUrls('http://127.0.0.1:8080/realms/mcp')).toEqual([
      'http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/mcp',
      'http://127.0.0.1:8080/.well-known/openid-configuration/realms/mcp',
      'http://127.0.0.1:8080/realms/mcp/.well-known/openid-configuration',
    ]);
  });

  it('issuer without a path: the two root documents, RFC 8414 first', () => {
    const root = [
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ];
    expect(authorizationServerMetadataUrls('https://auth.example.com')).toEqual(root);
    expect(authorizationServerMetadataUrls('https://auth.example.com/')).toEqual(root);
  });

  it('keeps a non-default port and ignores trailing slashes, query and fragment', () => {
    const plain = authorizationServerMetadataUrls('https://auth.example.com:8443/realms/mcp');
    expect(plain[0]).toBe('https://auth.example.com:8443/.well-known/oauth-authorization-server/realms/mcp');
    expect(authorizationServerMetadataUrls('https://auth.example.com:8443/realms/mcp//')).toEqual(plain);
    expect(authorizationServerMetadataUrls('https://auth.example.com:8443/realms/mcp?x=1#f')).toEqual(plain);
  });

  it('refuses what is not an absolute URL', () => {
    expect(() => authorizationServerMetadataUrls('auth.example.com/realms/mcp')).toThrow(TypeError);
    expect(() => authorizationServerMetadataUrls('')).toThrow(TypeError);
  });
});

describe('one order for every user', () => {
  it('the resource server looks for jwks_uri in the same order', () => {
    for (const issuer of ['https://auth.example.com/realms/mcp', 'https://auth.example.com']) {
      expect(discoveryUrls(issuer)).toEqual(authorizationServerMetadataUrls(issuer));
    }
  });

  it('no copy of the well-known paths outside lib/auth/discovery.ts in the code that discovers', () => {
    for (const file of ['lib/auth/jwks.ts', 'local/oauth-login.ts', 'doctor/step-as.ts', 'doctor/urls.ts']) {
      const source = readFileSync(path.join(ROOT, file), 'utf8');
      expect(source, file).not.toMatch(
        /\.well-known\/(oauth-authorization-server|openid-configuration)\$\{|`\$\{[^`]*\}\/\.well-known\/openid/,
      );
      if (file !== 'doctor/urls.ts') expect(source, file).toContain('authorizationServerMetadataUrls');
    }
  });
});
