// The tool catalogue served by /mcp and /sse. Add your own tools to `tools` (see lib/tools/types.ts).
import { demoTools } from './demo.ts';
import type { ToolDefinition } from './types.ts';

export type { ToolContext, ToolDefinition, ToolPrincipal, ToolResult } from './types.ts';
export { defineTool } from './types.ts';

export const tools: ToolDefinition[] = [...(demoTools as unknown as ToolDefinition[])];

/** Pure lookup used by the endpoint's pre-dispatch scope check. */
export function findTool(catalogue: readonly ToolDefinition[], name: unknown): ToolDefinition | undefined {
  return typeof name === 'string' ? catalogue.find((t) => t.name === name) : undefined;
}
