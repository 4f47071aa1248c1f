// The /mcp function's web app: audit, then the SDK-free gate (guards, auth), then the core (SDK, tools,
// stores, sessions), imported on the first authenticated request so that Lambda init, preflights and
// refusals never pay for loading the MCP SDK.
import { insufficientScope } from '../auth/index.ts';
import type { Config } from '../config.ts';
import { type AuthenticatedHandler, audited, bearerAuth, withGate } from '../gate/index.ts';
import type { McpEndpointDeps } from '../mcp/endpoint.ts';
import { EMPTY_CATALOGUE, type ToolCatalogue } from '../tools/catalogue.ts';
import type { WebApp } from '../web-handler.ts';

/** `catalogue`: the user's tools (generated/tools.ts, handed over by functions/mcp.ts), loaded with the core. */
export function createMcpApp(
  cfg: Config,
  overrides: Partial<McpEndpointDeps> = {},
  catalogue: ToolCatalogue = EMPTY_CATALOGUE,
): WebApp {
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () =>
    (core ??= import('./mcp-core.ts')
      .then((m) => m.createCore(cfg, catalogue, (scopes) => insufficientScope(cfg, scopes), overrides))
      .catch((err: unknown) => {
        // Not cached: a core that could not be made (e.g. an unreadable requestState secret) is tried again.
        core = undefined;
        throw err;
      }));
  const app = audited(cfg, withGate(cfg, overrides.authenticate ?? bearerAuth(cfg), loadCore));
  // The endpoint reads a POST body only as ctx.bodyText (readJsonBody) when lib/http gives one.
  app.bodyFromText = true;
  return app;
}
