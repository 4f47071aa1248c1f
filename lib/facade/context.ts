// What every endpoint handler gets: the configuration, the state store, and the lazily loaded keys and upstream
// metadata (once per instance, each with a bound shorter than the function timeout).
import type { FacadeConfig } from './config.ts';
import type { FacadeKeys } from './keys.ts';
import type { FacadeStore } from './state.ts';
import type { UpstreamMetadata } from './upstream.ts';

export interface FacadeContext {
  cfg: FacadeConfig;
  store: FacadeStore;
  keys(): Promise<FacadeKeys>;
  upstream(): Promise<UpstreamMetadata>;
  /** DNS lookup used by the CIMD SSRF guard (tests replace it to aim a public name at a private address). */
  lookup?: (host: string) => Promise<string[]>;
}

/** The façade's own endpoint URLs, under its issuer. Pure. */
export function endpoints(issuer: string) {
  return {
    authorization: `${issuer}/oauth/authorize`,
    consent: `${issuer}/oauth/consent`,
    callback: `${issuer}/oauth/callback`,
    token: `${issuer}/oauth/token`,
    registration: `${issuer}/oauth/register`,
    jwks: `${issuer}/oauth/jwks`,
  };
}
