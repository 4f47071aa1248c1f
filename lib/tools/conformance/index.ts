// The conformance fixture pack: the "everything"-style tools, resources and prompts that the official
// MCP conformance suite's server scenarios expect. Test-only surface: lib/apps/mcp.ts registers it only
// when `cfg.conformanceFixtures` (CONFORMANCE_FIXTURES=true), never by default in a deployment.
//
//   registerConformanceFixtures(server: McpServer): void   adds every fixture to a fresh McpServer
//   withConformanceFixtures(bus)                           the same, list-change hooks publishing on `bus`
//   CONFORMANCE_TOOL_NAMES, CONFORMANCE_PROMPT_NAMES, CONFORMANCE_RESOURCE_URIS, CONFORMANCE_RESOURCE_TEMPLATES
import type { McpServer, ServerEventBus } from '@modelcontextprotocol/server';
import type { ToolDefinition } from '../types.ts';
import { DIAGNOSTIC_TOOL_NAMES, registerDiagnosticTools } from './diagnostics.ts';
import { registerInputRequiredFixtures } from './input-required.ts';
import { registerConformancePrompts } from './prompts.ts';
import { registerConformanceResources } from './resources.ts';
import { registerSchemaTools, SCHEMA_TOOL_NAMES } from './schema-tools.ts';
import { TASK_FIXTURE_NAMES, TASK_FIXTURE_TOOLS } from './tasks.ts';
import { CONFORMANCE_TOOL_NAMES as CORE_TOOL_NAMES, registerConformanceTools } from './tools.ts';

export { CONFORMANCE_PROMPT_NAMES } from './prompts.ts';
export { CONFORMANCE_RESOURCE_TEMPLATES, CONFORMANCE_RESOURCE_URIS } from './resources.ts';
export { TASK_FIXTURE_TOOLS } from './tasks.ts';

/** Tool names the server scenarios call (every fixture file's). */
export const CONFORMANCE_TOOL_NAMES: readonly string[] = [
  ...CORE_TOOL_NAMES,
  ...SCHEMA_TOOL_NAMES,
  ...DIAGNOSTIC_TOOL_NAMES,
  ...TASK_FIXTURE_NAMES,
];

export function registerConformanceFixtures(
  server: McpServer,
  principal?: unknown,
  addTools?: (tools: readonly ToolDefinition[]) => void,
): void {
  withConformanceFixtures(undefined)(server, principal, addTools);
}

/** The fixture pack whose list-change diagnostic hooks publish on `bus` (the /mcp handler's change-event bus). */
export function withConformanceFixtures(
  bus: ServerEventBus | undefined,
): (server: McpServer, principal?: unknown, addTools?: (tools: readonly ToolDefinition[]) => void) => void {
  return (server, _principal, addTools) => {
    registerInputRequiredFixtures(server, addTools);
    addTools?.(TASK_FIXTURE_TOOLS);
    registerConformanceTools(server);
    registerSchemaTools(server);
    registerDiagnosticTools(server, bus);
    registerConformanceResources(server);
    registerConformancePrompts(server);
  };
}
