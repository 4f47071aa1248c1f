// Composes the /mcp function's web app from lib parts: auth, tools, the MCP endpoint.
import { authenticate, insufficientScope, toSdkAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../http/context.ts';
import { createMcpEndpoint, type McpEndpointDeps } from '../mcp/endpoint.ts';
import { registerConformanceFixtures } from '../tools/conformance/index.ts';
import { tools } from '../tools/index.ts';

export function createMcpApp(cfg: Config, overrides: Partial<McpEndpointDeps> = {}): WebHandler {
  return createMcpEndpoint(cfg, {
    tools,
    // Test-only fixtures for the official conformance suite (CONFORMANCE_FIXTURES=true); off by default.
    ...(cfg.conformanceFixtures ? { extras: registerConformanceFixtures } : {}),
    async authenticate(request) {
      const result = await authenticate(request, cfg);
      return result.ok
        ? { ok: true, authInfo: toSdkAuthInfo(result.principal) }
        : { ok: false, response: result.response };
    },
    insufficientScope: (scopes) => insufficientScope(cfg, scopes),
    ...overrides,
  });
}
