// JWT verification throughput with a warm, cached JWKS served from loopback.
//
//   node bench/jwt-verify.ts            (BENCH_MS=2000 per algorithm by default; about 7 s in all)
//
// Prints one JSON object: verifications per second and latency percentiles per algorithm, plus the
// number of JWKS fetches during the warm loops, which must be 0 (exit code 1 otherwise).

import { clearVerifiedTokens } from '../lib/auth/token-cache.ts';
import { verifyAccessToken } from '../lib/auth/verify.ts';
import { loadConfig } from '../lib/config.ts';
import { goodClaims, jwksOf, makeKey, sign, startKeyServer } from '../tests/integration/auth/key-server.ts';

const PER_ALG_MS = Number(process.env.BENCH_MS ?? 2000);
const PUBLIC_URL = 'https://mcp.example.com/mcp';
const JWKS_PATH = '/certs';

const srv = await startKeyServer();
const keys = [await makeKey('RS256', 'rs'), await makeKey('ES256', 'es'), await makeKey('PS256', 'ps')];
srv.serve(JWKS_PATH, jwksOf(...keys));
const issuer = `${srv.origin}/realms/mcp`;
const cfg = loadConfig({ MCP_PUBLIC_URL: PUBLIC_URL, AUTH_ISSUER: issuer, AUTH_JWKS_URL: `${srv.origin}${JWKS_PATH}` });

const results: Record<string, { verificationsPerSec: number; p50Us: number; p99Us: number; count: number }> = {};
let warmFetches = 0;
try {
  // Full verifications (signature included): the verified-token cache is emptied before each call. Then
  // one row of cache hits (the same 64 tokens again within its 30 s), which is what warm traffic mostly gets.
  for (const [key, cached] of [...keys.map((k) => [k, false] as const), [keys[0]!, true] as const]) {
    const tokens = await Promise.all(
      Array.from({ length: 64 }, (_, i) => sign(key, goodClaims(issuer, PUBLIC_URL, { sub: `user-${i}` }))),
    );
    for (const t of tokens.slice(0, 8)) await verifyAccessToken(t, cfg.auth); // warm: JWKS fetched, keys imported
    const fetchesBefore = srv.count(JWKS_PATH);
    const lat: number[] = [];
    const start = performance.now();
    let i = 0;
    while (performance.now() - start < PER_ALG_MS) {
      if (!cached) clearVerifiedTokens();
      const t0 = performance.now();
      await verifyAccessToken(tokens[i++ % tokens.length] as string, cfg.auth);
      lat.push(performance.now() - t0);
    }
    const elapsed = performance.now() - start;
    warmFetches += srv.count(JWKS_PATH) - fetchesBefore;
    lat.sort((a, b) => a - b);
    const pct = (p: number) => Math.round((lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0) * 1000);
    results[cached ? `${key.alg}, verified-token cache hit` : key.alg] = {
      verificationsPerSec: Math.round((lat.length / elapsed) * 1000),
      p50Us: pct(0.5),
      p99Us: pct(0.99),
      count: lat.length,
    };
  }
} finally {
  await srv.stop();
}

console.log(
  JSON.stringify({
    bench: 'jwt-verify',
    node: process.version,
    perAlgorithmMs: PER_ALG_MS,
    jwksFetchesTotal: srv.count(JWKS_PATH),
    jwksFetchesDuringWarmLoop: warmFetches,
    results,
  }),
);
if (warmFetches !== 0) process.exitCode = 1;
