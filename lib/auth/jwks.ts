// Signing keys: where they live (config or discovery) and one cached remote key set per JWKS URL.
//
//   keyResolverFor(auth): Promise<JWTVerifyGetKey>   the key lookup jwtVerify uses; rejects with AuthError
//                                                    (invalid_token) when no jwks_uri can be found
//   resolveJwksUri(auth): Promise<URL>               AUTH_JWKS_URL, else the issuer's discovery document
//   discoveryUrls(issuer): string[]                  the discovery documents tried, in order (pure)
//   remoteKeySet(url, auth): JWTVerifyGetKey         the module-scope key set for that URL
//   prefetchSigningKeys(auth, onSent?): Promise<boolean>
//                                                    warms both caches ahead of use (never rejects; see below)
//   resetJwksCaches(): void                          tests only
//
// Both caches live at module scope, so a warm Lambda instance fetches discovery once and the JWKS once.
// jose's createRemoteJWKSet refetches only when a kid is unknown (and not within cooldownDuration of the
// last fetch) or when its copy is older than cacheMaxAge (jose default, 10 min; this is what lets a key
// the AS removed stop verifying). On top of jose we add stale-if-error: when a refetch fails (timeout,
// refused, non-200, bad JSON), the last good key set keeps verifying, and further refetch attempts wait
// for the cooldown, so a JWKS outage neither breaks warm traffic nor makes every request wait for the
// timeout. An unknown kid during an outage is simply "no matching key" (401 in verify.ts), never a 5xx.
//
// Keys come only from the configured/discovered jwks_uri: the key lookup never looks at the token's
// jku, x5u, x5c or jwk headers (jose's remote set only reads alg and kid).
//
// Prefetch (lib/apps/mcp.ts, when the first bearer token arrives): discovery and the key set are fetched in the
// background, through the same caches, so the request's own verification joins the fetch in flight, and the caller
// learns when the key request is on the wire. It changes nothing else: the same bounds (AUTH_JWKS_TIMEOUT_MS), the
// same WARN line and discovery cooldown on failure as a request's; jose keeps no cooldown after a failed key fetch,
// so the next verification fetches again.
//
// When the keys cannot be had (discovery or the JWKS fetch fails and no good copy is left), the caller gets 401 and
// the operator one WARN line per cause per minute naming the URL and what went wrong (lib/telemetry rateLimited), so
// an AS that is down, or an AUTH_ISSUER that names another realm, shows in the log and not only as client 401s.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { AuthConfig } from '../config.ts';
import { log, rateLimited } from '../telemetry/index.ts';
import { authorizationServerMetadataUrls } from './discovery.ts';
import { AuthError } from './errors.ts';
import { clearVerifiedTokens } from './token-cache.ts';

export type KeySourceConfig = Pick<AuthConfig, 'issuer' | 'jwksUrl' | 'jwksTimeoutMs' | 'jwksCooldownMs'>;
type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

const keySets = new Map<string, { getKey: JWTVerifyGetKey; remote: RemoteSet }>();
const jwksUris = new Map<string, { promise: Promise<URL>; failedAt?: number }>();

const keysUnavailable = () => new AuthError('invalid_token', 'The signing keys are unavailable');
const opsLog = rateLimited(log, { intervalMs: 60_000 });

/** What a failed fetch came to, for the operational line (never a token: these are the AS's URLs and answers). */
function failure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string }; code?: string };
  return e.cause?.code ?? (e.name === 'TimeoutError' || e.code === 'ERR_JWKS_TIMEOUT' ? 'timed out' : e.message);
}

/**
 * The discovery documents tried for jwks_uri: the MCP spec's order (./discovery.ts), the same documents
 * clients read. The first one that names exactly our issuer and a jwks_uri wins.
 */
export function discoveryUrls(issuer: string): string[] {
  return authorizationServerMetadataUrls(issuer);
}

function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

async function fetchJwksUri(cfg: KeySourceConfig): Promise<URL> {
  const tried: string[] = [];
  for (const candidate of discoveryUrls(cfg.issuer)) {
    try {
      const res = await fetch(candidate, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(cfg.jwksTimeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        tried.push(`${candidate} -> HTTP ${res.status}`);
        continue;
      }
      const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown } | null;
      // RFC 8414 section 3.3 / OIDC Discovery 4.3: the document must name exactly our issuer.
      const jwksUri = httpUrl(doc?.jwks_uri);
      if (doc?.issuer === cfg.issuer && jwksUri) return jwksUri;
      tried.push(`${candidate} -> issuer ${JSON.stringify(doc?.issuer)}${jwksUri ? '' : ', no jwks_uri'}`);
    } catch (err) {
      // unreachable, timed out or not JSON: try the next well-known location
      tried.push(`${candidate} -> ${failure(err)}`);
    }
  }
  opsLog.warn(cfg.issuer, 'signing keys unavailable: no discovery document names AUTH_ISSUER', {
    issuer: cfg.issuer,
    tried,
  });
  throw keysUnavailable();
}

/** The JWKS URL: AUTH_JWKS_URL, else discovery (cached per issuer; a failure is retried after the cooldown). */
export function resolveJwksUri(cfg: KeySourceConfig): Promise<URL> {
  if (cfg.jwksUrl) return Promise.resolve(new URL(cfg.jwksUrl));
  const cached = jwksUris.get(cfg.issuer);
  if (cached && (cached.failedAt === undefined || Date.now() - cached.failedAt < cfg.jwksCooldownMs)) {
    return cached.promise;
  }
  const entry: { promise: Promise<URL>; failedAt?: number } = { promise: fetchJwksUri(cfg) };
  entry.promise.catch(() => {
    entry.failedAt = Date.now();
  });
  jwksUris.set(cfg.issuer, entry);
  return entry.promise;
}

/** Errors that mean "the key set answered": everything else is a fetch problem. */
function isLookupVerdict(err: unknown): boolean {
  return (
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JOSENotSupported
  );
}

/** jose's remote set plus stale-if-error (see the header comment). */
function resilient(remote: RemoteSet, cooldownMs: number, url: URL): JWTVerifyGetKey {
  let stale: { local: JWTVerifyGetKey; failedAt: number } | undefined;
  return async (header, token) => {
    // Only alg and kid select a key; jku/x5u/jwk/x5c never reach the lookup.
    const lookup: CompactJWSHeaderParameters = { alg: header.alg, kid: header.kid };
    if (stale && Date.now() - stale.failedAt < cooldownMs) return stale.local(lookup, token);
    try {
      const key = await remote(lookup, token);
      stale = undefined;
      return key;
    } catch (err) {
      if (isLookupVerdict(err)) throw err;
      const last = remote.jwks() as JSONWebKeySet | undefined;
      opsLog.warn(
        url.href,
        last ? 'signing keys could not be refreshed; verifying with the last good key set' : 'signing keys unavailable',
        { jwksUrl: url.href, error: failure(err) },
      );
      if (!last) throw err;
      stale = { local: createLocalJWKSet(last), failedAt: Date.now() };
      return stale.local(lookup, token);
    }
  };
}

/**
 * The module-scope key set for a JWKS URL, created on first use and reused for the instance's life.
 * `cacheMaxAgeMs` (jose's cacheMaxAge, default 10 min) is not an env setting; tests shorten it.
 */
export function remoteKeySet(
  url: URL,
  cfg: Pick<AuthConfig, 'jwksTimeoutMs' | 'jwksCooldownMs'> & { cacheMaxAgeMs?: number },
): JWTVerifyGetKey {
  return keySetEntry(url, cfg).getKey;
}

function keySetEntry(
  url: URL,
  cfg: Pick<AuthConfig, 'jwksTimeoutMs' | 'jwksCooldownMs'> & { cacheMaxAgeMs?: number },
): { getKey: JWTVerifyGetKey; remote: RemoteSet } {
  const cacheKey = `${url.href} ${cfg.jwksTimeoutMs} ${cfg.jwksCooldownMs} ${cfg.cacheMaxAgeMs ?? ''}`;
  let set = keySets.get(cacheKey);
  if (!set) {
    const remote = createRemoteJWKSet(url, {
      timeoutDuration: cfg.jwksTimeoutMs,
      cooldownDuration: cfg.jwksCooldownMs,
      ...(cfg.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: cfg.cacheMaxAgeMs }),
    });
    set = { getKey: resilient(remote, cfg.jwksCooldownMs, url), remote };
    keySets.set(cacheKey, set);
  }
  return set;
}

export async function keyResolverFor(cfg: KeySourceConfig): Promise<JWTVerifyGetKey> {
  return remoteKeySet(await resolveJwksUri(cfg), cfg);
}

/**
 * Calls `then` once, as soon as this process has sent the headers of its first HTTP request from now on (undici's
 * documented `undici:client:sendHeaders` diagnostics channel, which Node's fetch publishes), or when `settled`
 * settles, whichever comes first. Undici publishes just before it writes the bytes, in the same synchronous call:
 * `then` runs in a microtask, after the write, so whatever it starts cannot hold the request back.
 */
function onFirstRequestSent(settled: Promise<unknown>, then: () => void): void {
  let done = false;
  const fire = () => {
    if (done) return;
    done = true;
    unsubscribe('undici:client:sendHeaders', fire);
    queueMicrotask(then);
  };
  subscribe('undici:client:sendHeaders', fire);
  settled.then(fire, fire);
}

/**
 * Fetches discovery (unless AUTH_JWKS_URL is set) and the key set now, into the caches the first verification
 * reads (see the header). True when the keys are in; false on any failure (never rejects).
 * `onSent`: called once the first of these requests is on the wire (or the prefetch is over), so that CPU-bound
 * work (the MCP core's import) runs while the AS answers instead of before the request leaves.
 */
export async function prefetchSigningKeys(cfg: KeySourceConfig, onSent?: () => void): Promise<boolean> {
  const run = (async () => {
    const { remote } = keySetEntry(await resolveJwksUri(cfg), cfg);
    // jose's reload: a request arriving meanwhile joins this fetch; a failed one sets no cooldown in jose.
    if (remote.jwks() === undefined) await remote.reload();
  })();
  if (onSent) onFirstRequestSent(run, onSent);
  try {
    await run;
    return true;
  } catch {
    return false;
  }
}

export function resetJwksCaches(): void {
  clearVerifiedTokens();
  keySets.clear();
  jwksUris.clear();
}
