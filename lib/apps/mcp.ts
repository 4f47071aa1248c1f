// The /mcp function's web app: audit, then the SDK-free gate (guards, auth), then the core (SDK, tools,
// stores, sessions), imported on the first authenticated request so that Lambda init, preflights and
// refusals never pay for loading the MCP SDK.
import { insufficientScope } from '../auth/index.ts';
import type { Config } from '../config.ts';
import { type AuthenticatedHandler, audited, bearerAuth, withGate } from '../gate/index.ts';
import type { McpEndpointDeps } from '../mcp/endpoint.ts';
import type { WebHandler } from '../web-handler.ts';

export function createMcpApp(cfg: Config, overrides: Partial<McpEndpointDeps> = {}): WebHandler {
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () =>
    (core ??= import('./mcp-core.ts').then((m) =>
      m.createCore(cfg, (scopes) => insufficientScope(cfg, scopes), overrides),
    ));
  return audited(cfg, withGate(cfg, overrides.authenticate ?? bearerAuth(cfg), loadCore));
}
