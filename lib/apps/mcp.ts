// The /mcp function's web app: audit, then the SDK-free gate (guards, auth), then the core (SDK, tools,
// stores, sessions), imported on the first authenticated request so that preflights and refusals never
// wait for the MCP SDK.
//
// Prefetch (functions/mcp.ts): the first request that carries a bearer token starts, in the background and in
// parallel with its own verification, the signing-key fetch (verifier + discovery + JWKS) and, as soon as that
// request is on the wire, the core import, so the core compiles while the AS answers instead of after. Not at
// init: measured (bench/cold-init.ts), a core import started at init holds Node's single thread for its whole
// load and delays a cold instance's first 401 by that much; started here, a request without a token never waits
// for it. The key fetch is the request's own (same caches, bounds, WARN lines and cooldowns: lib/auth/jwks.ts); a
// failed core import is caught (no unhandled rejection), logged, and not cached, so the request imports it again.
import { insufficientScope, prefetchVerification } from '../auth/index.ts';
import type { Config } from '../config.ts';
import { type AuthenticatedHandler, audited, type BearerCheck, bearerAuth, withGate } from '../gate/index.ts';
import type { McpEndpointDeps } from '../mcp/endpoint.ts';
import { log, preloadMetrics } from '../telemetry/index.ts';
import { EMPTY_CATALOGUE, type ToolCatalogue } from '../tools/catalogue.ts';
import type { WebApp } from '../web-handler.ts';
import type * as CoreModule from './mcp-core.ts';

export interface McpAppOptions {
  /**
   * true: start the key fetch and the core import on the first request with a bearer token (see the header).
   * 'init': start both now, for an environment initialised ahead of traffic (provisioned concurrency): no
   * request waits on the thread, and the app's `ready` settles once both are done (functions/mcp.ts awaits it,
   * as Lambda freezes an environment when its init returns, pending work and all).
   */
  prefetch?: boolean | 'init';
  /** Tests only: how the core module is imported (default: `import('./mcp-core.ts')`). */
  importCore?: () => Promise<Pick<typeof CoreModule, 'createCore'>>;
}

/** The /mcp app; `ready` only with `prefetch: 'init'`: settles (never rejects) once the keys and the core are in. */
export type McpApp = WebApp & { ready?: Promise<void> };

/** `catalogue`: the user's tools (generated/tools.ts, handed over by functions/mcp.ts), loaded with the core. */
export function createMcpApp(
  cfg: Config,
  overrides: Partial<McpEndpointDeps> = {},
  catalogue: ToolCatalogue = EMPTY_CATALOGUE,
  options: McpAppOptions = {},
): McpApp {
  const importCore = options.importCore ?? (() => import('./mcp-core.ts'));
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () =>
    (core ??= importCore()
      .then((m) => m.createCore(cfg, catalogue, (scopes) => insufficientScope(cfg, scopes), overrides))
      .catch((err: unknown) => {
        // Not cached: a core that could not be made (e.g. an unreadable requestState secret) is tried again.
        core = undefined;
        throw err;
      }));
  const prefetchCore = (): Promise<void> =>
    loadCore().then(
      () => undefined,
      (err: unknown) => {
        log.warn('MCP core could not be prefetched; the authenticated request loads it again', {
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
  // Both prefetches, the core import once the key request is on the wire; settles when both have.
  const prefetchAll = (): Promise<void> => {
    if (overrides.authenticate) return prefetchCore();
    let coreDone: Promise<void> = Promise.resolve();
    const keys = prefetchVerification(cfg, () => {
      coreDone = prefetchCore();
    });
    return keys.then(() => coreDone);
  };
  const auth: BearerCheck = overrides.authenticate ?? bearerAuth(cfg);
  let check: BearerCheck = auth;
  let ready: Promise<void> | undefined;
  // Ahead of traffic, the EMF module too (the first request's metrics would load it after its answer).
  if (options.prefetch === 'init') ready = Promise.all([prefetchAll(), preloadMetrics()]).then(() => undefined);
  else if (options.prefetch) {
    let started = false;
    check = (request: Request) => {
      if (!started && request.headers.has('authorization')) {
        started = true;
        void prefetchAll();
      }
      return auth(request);
    };
    // The early 401 (no credential at all) never reaches the check, so it starts no prefetch either.
    if (auth.early) check.early = auth.early;
  }
  const app: McpApp = audited(cfg, withGate(cfg, check, loadCore));
  // The endpoint reads a POST body only as ctx.bodyText (readJsonBody) when lib/http gives one.
  app.bodyFromText = true;
  if (ready) app.ready = ready;
  return app;
}
