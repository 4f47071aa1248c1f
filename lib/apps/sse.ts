// The legacy HTTP+SSE function's web app (/sse and /messages/): the same audit, gate and lazy core
// loading as /mcp, in front of the store-backed legacy transport.
import type { Config } from '../config.ts';
import { type AuthenticatedHandler, audited, bearerAuth, withGate } from '../gate/index.ts';
import { EMPTY_CATALOGUE, type ToolCatalogue } from '../tools/catalogue.ts';
import type { WebHandler } from '../web-handler.ts';

/** `catalogue`: the user's tools (generated/tools.ts, handed over by functions/sse.ts), loaded with the core. */
export function createSseApp(cfg: Config, catalogue: ToolCatalogue = EMPTY_CATALOGUE): WebHandler {
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () =>
    (core ??= import('./sse-core.ts')
      .then((m) => m.createSseCore(cfg, catalogue))
      .catch((err: unknown) => {
        // Not cached: a core that could not be made (e.g. an unreadable requestState secret) is tried again.
        core = undefined;
        throw err;
      }));
  return audited(cfg, withGate(cfg, bearerAuth(cfg), loadCore, 'GET, POST, OPTIONS'));
}
