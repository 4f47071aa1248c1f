// The verified-token cache (lib/auth/token-cache.ts) must make exactly the decisions the full path makes:
// exp is enforced on every use, another config never sees an entry, a changed token is a miss, failures
// are never remembered, and callers get copies. Real tokens against a real loopback JWKS.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedIdentity, rememberIdentity, TTL_MS, verifiedTokenKey } from '../../../lib/auth/token-cache.ts';
import { verifyAccessToken } from '../../../lib/auth/verify.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import { goodClaims, jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from './key-server.ts';

const PUBLIC_URL = 'https://mcp.example.com/mcp';
let srv: KeyServer;
let key: TestKey;
let cfg: Config;
let issuer: string;

const env = (extra: Record<string, string> = {}) => ({
  MCP_PUBLIC_URL: PUBLIC_URL,
  AUTH_ISSUER: issuer,
  AUTH_JWKS_URL: `${srv.origin}/certs`,
  AUTH_CLOCK_TOLERANCE_S: '0',
  ...extra,
});

beforeAll(async () => {
  srv = await startKeyServer();
  key = await makeKey('RS256', 'rs');
  srv.serve('/certs', jwksOf(key));
  issuer = `${srv.origin}/realms/mcp`;
  cfg = loadConfig(env());
});

afterAll(() => srv.stop());

describe('verified-token cache', () => {
  it('keys an entry by the SHA-256 hex of the token, never the token itself (the one-shot hash gives the same key)', () => {
    for (const token of ['a', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'é€𝄞', '']) {
      const key = verifiedTokenKey(token);
      expect(key).toBe(createHash('sha256').update(token).digest('hex'));
      expect(key).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('AUTH_VERIFIED_TOKEN_CACHE_S=0 turns it off: every request runs the full verification', async () => {
    const strict = loadConfig(env({ AUTH_VERIFIED_TOKEN_CACHE_S: '0' }));
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL));
    expect((await verifyAccessToken(token, strict.auth)).subject).toBe('user-123');
    expect(cachedIdentity(strict.auth, verifiedTokenKey(token), Date.now(), 0)).toBeUndefined();
    // With the default, the same token is remembered.
    await verifyAccessToken(token, cfg.auth);
    expect(cachedIdentity(cfg.auth, verifiedTokenKey(token), Date.now(), 0)?.subject).toBe('user-123');
  });

  it('a cached token is refused once its exp has passed (checked on every use, not at caching time)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL, { iat: now, exp: now + 2 }));
    const first = await verifyAccessToken(token, cfg.auth);
    expect(first.subject).toBe('user-123');
    // Cached now: the second call is a hit and still accepted.
    expect((await verifyAccessToken(token, cfg.auth)).subject).toBe('user-123');
    await new Promise((r) => setTimeout(r, (now + 2 - Date.now() / 1000) * 1000 + 50));
    await expect(verifyAccessToken(token, cfg.auth)).rejects.toMatchObject({
      code: 'invalid_token',
      description: 'The access token has expired',
    });
  });

  it('another config (other audience) never gets a hit from an entry of this one', async () => {
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL));
    await verifyAccessToken(token, cfg.auth);
    const other = loadConfig(env({ MCP_PUBLIC_URL: 'https://other.example.com/mcp' }));
    await expect(verifyAccessToken(token, other.auth)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('a token differing in one byte (tampered signature) is a miss and fails the signature check', async () => {
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL));
    await verifyAccessToken(token, cfg.auth);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    await expect(verifyAccessToken(tampered, cfg.auth)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('a failing token is never remembered: it fails again with the full check', async () => {
    const token = await sign(key, goodClaims(issuer, 'https://wrong.example.com/mcp'));
    await expect(verifyAccessToken(token, cfg.auth)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(cachedIdentity(cfg.auth, verifiedTokenKey(token), Date.now(), 0)).toBeUndefined();
    await expect(verifyAccessToken(token, cfg.auth)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('hits return copies: a caller mutating its identity does not change the next answer', async () => {
    const token = await sign(key, goodClaims(issuer, PUBLIC_URL, { scope: 'mcp:tools' }));
    const a = await verifyAccessToken(token, cfg.auth);
    a.scopes.push('mcp:admin');
    a.subject = 'someone-else';
    const b = await verifyAccessToken(token, cfg.auth);
    expect(b.scopes).toEqual(['mcp:tools']);
    expect(b.subject).toBe('user-123');
  });

  it('an entry is not used after TTL_MS, even when the token is still valid', () => {
    const auth = {};
    const now = Date.now();
    const identity = { subject: 's', clientId: 'c', scopes: [], expiresAt: Math.floor(now / 1000) + 3600, issuer };
    rememberIdentity(auth, 'k', identity, now);
    expect(cachedIdentity(auth, 'k', now + TTL_MS - 1, 0)?.subject).toBe('s');
    expect(cachedIdentity(auth, 'k', now + TTL_MS + 1, 0)).toBeUndefined();
    // exp with tolerance, as jose: exp <= now - tolerance is expired.
    rememberIdentity(auth, 'e', { ...identity, expiresAt: Math.floor(now / 1000) + 1 }, now);
    expect(cachedIdentity(auth, 'e', now + 1000, 0)).toBeUndefined();
    rememberIdentity(auth, 'e', { ...identity, expiresAt: Math.floor(now / 1000) + 1 }, now);
    expect(cachedIdentity(auth, 'e', now + 1000, 5)?.subject).toBe('s');
  });
});
