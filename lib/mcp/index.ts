// lib/mcp: the MCP side of /mcp, /sse and /messages/: era routing (2026-07-28 through the SDK's
// createMcpHandler, 2025 through our sessionful wiring), the per-request server factory, sessions over
// the shared store, the legacy SSE bridge, the cross-instance event bus, and tools that ask for input
// (input/: the sealed requestState of input-required results). It loads the MCP SDK, so
// the functions import it lazily (on the first authenticated request).
export { createMcpCore, type McpCore, type McpEndpointDeps } from './endpoint.ts';
export { BUS_CHANNEL, StoreEventBus } from './event-bus.ts';
export { type PolicyGate, stepUpScopes } from './policy-hook.ts';
export {
  createServerFactory,
  principalOf,
  type ServerExtras,
  type ServerFactoryOptions,
  toolAllowed,
} from './server.ts';
export { createSessionfulHandler } from './sessions/handler.ts';
export { createLegacySseHandler } from './sessions/legacy-sse.ts';
export type { SessionfulDeps } from './sessions/shared.ts';
