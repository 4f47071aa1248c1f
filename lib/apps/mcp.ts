// Composes the /mcp function's web app: audit, then the SDK-free gate (guards, auth), then the core
// (SDK, tools, stores, sessions), which is imported on the first authenticated request so that
// Lambda init, preflights and 401/403 answers never pay for loading the MCP SDK.
import { createAuditor, withAudit } from '../audit/auditor.ts';
import { authenticate, insufficientScope, toSdkAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { McpEndpointDeps } from '../mcp/endpoint.ts';
import { type AuthenticatedHandler, type AuthOutcome, withGate } from '../mcp/gate.ts';
import type { WebHandler } from '../web-handler.ts';

/** The bearer check every protected route shares, in the shape the gate wants. */
export function bearerAuth(cfg: Config) {
  return async (request: Request): Promise<AuthOutcome> => {
    const result = await authenticate(request, cfg);
    return result.ok
      ? { ok: true, authInfo: toSdkAuthInfo(result.principal, cfg) }
      : { ok: false, response: result.response };
  };
}

export function createMcpApp(cfg: Config, overrides: Partial<McpEndpointDeps> = {}): WebHandler {
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () =>
    (core ??= import('./mcp-core.ts').then((m) =>
      m.createCore(cfg, (scopes) => insufficientScope(cfg, scopes), overrides),
    ));
  return audited(cfg, withGate(cfg, overrides.authenticate ?? bearerAuth(cfg), loadCore));
}

/** One audit record per request; records are flushed before the invocation ends. */
export function audited(cfg: Config, app: WebHandler): WebHandler {
  const auditor = createAuditor(cfg);
  const handler = withAudit(app, auditor);
  return async (request, ctx) => {
    ctx.waitUntil(() => auditor.flush());
    return handler(request, ctx);
  };
}
