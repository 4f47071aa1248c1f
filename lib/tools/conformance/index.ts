// The conformance fixture pack: the "everything"-style tools, resources and prompts that the official
// MCP conformance suite's server scenarios expect. Test-only surface: lib/apps/mcp.ts registers it only
// when `cfg.conformanceFixtures` (CONFORMANCE_FIXTURES=true), never by default in a deployment.
//
//   registerConformanceFixtures(server: McpServer): void   adds every fixture to a fresh McpServer
//   CONFORMANCE_TOOL_NAMES, CONFORMANCE_PROMPT_NAMES, CONFORMANCE_RESOURCE_URIS, CONFORMANCE_RESOURCE_TEMPLATES
import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolDefinition } from '../types.ts';
import { registerInputRequiredFixtures } from './input-required.ts';
import { registerConformancePrompts } from './prompts.ts';
import { registerConformanceResources } from './resources.ts';
import { registerConformanceTools } from './tools.ts';

export { CONFORMANCE_PROMPT_NAMES } from './prompts.ts';
export { CONFORMANCE_RESOURCE_TEMPLATES, CONFORMANCE_RESOURCE_URIS } from './resources.ts';
export { CONFORMANCE_TOOL_NAMES } from './tools.ts';

export function registerConformanceFixtures(
  server: McpServer,
  _principal?: unknown,
  addTools?: (tools: readonly ToolDefinition[]) => void,
): void {
  registerInputRequiredFixtures(server, addTools);
  registerConformanceTools(server);
  registerConformanceResources(server);
  registerConformancePrompts(server);
}
