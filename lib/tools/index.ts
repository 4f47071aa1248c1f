// lib/tools: what a tool is (defineTool, the contract tools/*.ts files implement), the scope declaration rules,
// the catalogue the functions receive, and the product's demo tools. The conformance fixtures are in
// ./conformance/ (test-only). lib/config imports ./catalogue.ts and ./scopes.ts directly: they load no zod.
import type { ToolCatalogue } from './catalogue.ts';
import { demoTools } from './demo.ts';
import type { ToolDefinition } from './types.ts';

export {
  catalogueDrift,
  declaredScopes,
  EMPTY_CATALOGUE,
  servedEntries,
  type ToolCatalogue,
  type ToolManifestEntry,
  toolNeeding,
} from './catalogue.ts';
export {
  grantsFor,
  mergeScopes,
  normaliseScopes,
  RESERVED_SCOPES,
  SCOPE_TOKEN,
  type ScopeDeclaration,
  ScopeError,
  type ScopeInfo,
} from './scopes.ts';
export type {
  JsonSchemaObject,
  TaskSupport,
  ToolArgs,
  ToolContext,
  ToolDefinition,
  ToolInputSchema,
  ToolPrincipal,
  ToolResult,
  ToolSpec,
} from './types.ts';
export {
  defineTool,
  isToolDefinition,
  isZodSchema,
  JSON_SCHEMA_2020_12,
  jsonInputSchemaProblem,
  TOOL_NAME,
  ToolDefinitionError,
} from './types.ts';

/** The product's demo tools (echo, whoami, stream_demo, notify_demo, fail_demo, admin_demo). */
export const tools: ToolDefinition[] = [...(demoTools as unknown as ToolDefinition[])];

/** The tools to serve: the demo tools unless DEMO_TOOLS=false, then the catalogue's (the user's tools/). */
export async function servedTools(catalogue: ToolCatalogue, demo: boolean): Promise<ToolDefinition[]> {
  const user = await catalogue.load();
  return [...(demo ? tools : []), ...user];
}

/** Pure lookup used by the endpoint's pre-dispatch scope check (own names only, never prototype keys). */
export function findTool(catalogue: readonly ToolDefinition[], name: unknown): ToolDefinition | undefined {
  return typeof name === 'string' ? catalogue.find((t) => t.name === name) : undefined;
}
