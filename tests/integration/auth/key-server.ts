// Test support: signing keys made by the test and a real HTTP server on 127.0.0.1:0 that serves JSON
// documents (JWKS, discovery) and counts every fetch per path. It can be stopped and restarted on the
// same port to simulate a JWKS outage. Used by the auth tests and bench/jwt-verify.ts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface KeyServer {
  origin: string;
  /** Serve `body` as JSON at `path` (status 200 unless given). */
  serve(path: string, body: unknown, status?: number): void;
  /** Make `path` hang without answering (to exercise timeouts). */
  hang(path: string): void;
  /** How many requests `path` has received. */
  count(path: string): number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startKeyServer(): Promise<KeyServer> {
  const docs = new Map<string, { status: number; body: string }>();
  const hanging = new Set<string>();
  const counts = new Map<string, number>();
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (hanging.has(path)) return; // never answers
    const doc = docs.get(path);
    if (!doc) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    res.writeHead(doc.status, { 'content-type': 'application/json' }).end(doc.body);
  };
  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    serve(path, body, status = 200) {
      docs.set(path, { status, body: JSON.stringify(body) });
    },
    hang(path) {
      hanging.add(path);
    },
    count(path) {
      return counts.get(path) ?? 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async restart() {
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
  };
}

export type TestAlg = 'RS256' | 'ES256' | 'PS256';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: TestAlg | 'RS384', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** Signs `claims` with `key`; `header` adds or overrides protected header fields; `crit` lets jose sign them. */
export function sign(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
  crit?: Record<string, boolean>,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey, crit ? { crit } : undefined);
}

export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Good access-token claims for `issuer`/`audience`, valid for 5 minutes. */
export function goodClaims(issuer: string, audience: string, extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: audience,
    sub: 'user-123',
    client_id: 'client-abc',
    scope: 'mcp:tools',
    iat: now,
    exp: now + 300,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}
