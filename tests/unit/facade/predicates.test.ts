// The façade's pure predicates: redirect URI rules, PKCE S256, the SSRF address check, the scope mapping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  grantedScopes,
  hasPoisonKey,
  isPrivateAddress,
  redirectUriProblem,
  redirectUriRegistered,
  requestedScopes,
  s256,
  upstreamScope,
  verifierMatches,
} from '../../../lib/facade/index.ts';

describe('redirect URIs', () => {
  it.each([
    'https://client.example/cb',
    'http://127.0.0.1:6274/oauth/callback',
    'http://localhost/cb',
    'http://[::1]:8080/cb',
  ])('accepts %s', (uri) => expect(redirectUriProblem(uri)).toBeUndefined());
  it.each([
    'http://client.example/cb',
    'http://127.0.0.1.nip.io/cb',
    'https://client.example/cb#x',
    'https://client.example/cb#',
    'javascript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
    'https://a:b@client.example/cb',
    '/relative',
    '',
  ])('refuses %s', (uri) => expect(redirectUriProblem(uri)).toBeDefined());
  it('matching is exact: no prefix, no case folding, no trailing-slash slack', () => {
    const reg = ['https://client.example/cb'];
    expect(redirectUriRegistered(reg, 'https://client.example/cb')).toBe(true);
    for (const p of [
      'https://client.example/cb/',
      'https://client.example/cbx',
      'https://client.example/cb?x=1',
      'https://CLIENT.example/cb',
    ]) {
      expect(redirectUriRegistered(reg, p), p).toBe(false);
    }
  });
});

describe('PKCE S256', () => {
  it('a verifier matches its own challenge and no other (property)', () => {
    const verifier = fc.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/);
    fc.assert(
      fc.property(verifier, verifier, (a, b) => {
        expect(verifierMatches(a, s256(a))).toBe(true);
        if (a !== b) expect(verifierMatches(b, s256(a))).toBe(false);
      }),
    );
  });
  it('refuses the plain method (verifier = challenge) and malformed verifiers', () => {
    const v = 'a'.repeat(43);
    expect(verifierMatches(v, v)).toBe(false);
    expect(verifierMatches('short', s256('short'))).toBe(false);
    expect(verifierMatches(undefined, s256(v))).toBe(false);
  });
});

describe('SSRF address check', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('%s is not public', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('%s is public', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('prototype keys', () => {
  it('finds __proto__, constructor and prototype at any depth of parsed JSON', () => {
    expect(hasPoisonKey(JSON.parse('{"__proto__":{}}'))).toBe(true);
    expect(hasPoisonKey(JSON.parse('{"a":[{"constructor":1}]}'))).toBe(true);
    expect(hasPoisonKey({ a: { b: { prototype: 1 } } })).toBe(true);
    expect(hasPoisonKey({ redirect_uris: ['x'], client_name: 'proto' })).toBe(false);
  });
});

describe('scope mapping', () => {
  const supported = ['mcp:tools', 'mcp:admin'];
  it('asks for what the client asked within scopes_supported; nothing asked = the required scopes', () => {
    expect(requestedScopes(['mcp:tools', 'offline_access', 'mcp:admin'], supported, ['mcp:tools'])).toEqual([
      'mcp:tools',
      'mcp:admin',
    ]);
    expect(requestedScopes([], supported, ['mcp:tools'])).toEqual(['mcp:tools']);
  });
  it('grants upstream-granted ∩ requested ∩ supported, with the upstream prefix stripped', () => {
    expect(grantedScopes('openid mcp:tools', ['mcp:tools', 'mcp:admin'], supported, '')).toEqual(['mcp:tools']);
    expect(grantedScopes('mcp:tools mcp:admin extra', ['mcp:tools'], supported, '')).toEqual(['mcp:tools']);
    const p = 'https://mcp.example.com/';
    expect(upstreamScope(['mcp:tools'], ['openid'], p)).toBe('openid https://mcp.example.com/mcp:tools');
    expect(grantedScopes(`${p}mcp:tools mcp:admin`, ['mcp:tools', 'mcp:admin'], supported, p)).toEqual(['mcp:tools']);
  });
  it('a token response without scope means "as requested" (RFC 6749 section 5.1)', () => {
    expect(grantedScopes(undefined, ['mcp:tools'], supported, '')).toEqual(['mcp:tools']);
  });
});
