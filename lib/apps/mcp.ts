// Composes the /mcp function's web app from lib parts: auth, tools, the MCP endpoint.
import { authenticate, insufficientScope, toSdkAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../http/context.ts';
import { createMcpEndpoint, type McpEndpointDeps } from '../mcp/endpoint.ts';
import { tools } from '../tools/index.ts';

export function createMcpApp(cfg: Config, overrides: Partial<McpEndpointDeps> = {}): WebHandler {
  return createMcpEndpoint(cfg, {
    tools,
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
