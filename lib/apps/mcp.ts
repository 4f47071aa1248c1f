// Composes the /mcp function's web app from lib parts: audit, auth, tools, stores, the MCP endpoint
// with the sessionful 2025-era wiring and a cross-instance event bus for subscriptions/listen.
import { createAuditor, withAudit } from '../audit/auditor.ts';
import { authenticate, insufficientScope, toSdkAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../http/context.ts';
import { createMcpEndpoint, type McpEndpointDeps } from '../mcp/endpoint.ts';
import { StoreEventBus } from '../mcp/event-bus.ts';
import { createServerFactory } from '../mcp/server.ts';
import { createSessionfulHandler } from '../mcp/sessions.ts';
import { createStores } from '../store/index.ts';
import { registerConformanceFixtures } from '../tools/conformance/index.ts';
import { tools } from '../tools/index.ts';

export function createMcpApp(cfg: Config, overrides: Partial<McpEndpointDeps> = {}): WebHandler {
  const stores = createStores(cfg);
  // Test-only fixtures for the official conformance suite (CONFORMANCE_FIXTURES=true); off by default.
  const extras = cfg.conformanceFixtures ? registerConformanceFixtures : undefined;
  const factory = createServerFactory(tools, extras);
  const endpoint = createMcpEndpoint(cfg, {
    tools,
    extras,
    factory,
    bus: new StoreEventBus(stores.messages),
    legacy: createSessionfulHandler(cfg, { factory, stores }),
    async authenticate(request) {
      const result = await authenticate(request, cfg);
      return result.ok
        ? { ok: true, authInfo: toSdkAuthInfo(result.principal, cfg) }
        : { ok: false, response: result.response };
    },
    insufficientScope: (scopes) => insufficientScope(cfg, scopes),
    ...overrides,
  });
  return audited(cfg, endpoint);
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
