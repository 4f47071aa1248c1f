// A tool's input schema as the SDK's registerTool takes it. A zod schema goes through unchanged (so the
// tools/list output of existing tools stays byte-identical); a JSON Schema 2020-12 object is wrapped once with
// the SDK's fromJsonSchema, which advertises it verbatim and validates arguments with the Ajv 2020-12 engine
// the SDK bundles (no second validator in our dependencies).
import { fromJsonSchema, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { isZodSchema, type ToolDefinition, ToolDefinitionError } from '../tools/index.ts';

/**
 * The SDK's default validator caches compiled schemas by `$id` for the whole process: a second schema with the same
 * `$id` would silently get the first one's validator. Each `$id` may therefore name one schema (text) only.
 */
const schemaById = new Map<string, string>();

function claimId(tool: ToolDefinition, schema: Record<string, unknown>): void {
  if (typeof schema.$id !== 'string') return;
  const text = JSON.stringify(schema);
  const prior = schemaById.get(schema.$id);
  if (prior !== undefined && prior !== text)
    throw new ToolDefinitionError(`tool ${tool.name}: inputSchema $id ${schema.$id} already names another schema`);
  schemaById.set(schema.$id, text);
}

/**
 * The registerTool `inputSchema` for every tool, compiled once (at factory creation, not per request), so a
 * JSON Schema that does not compile fails start-up with the tool's name rather than its first call.
 */
export function compileInputSchemas(tools: readonly ToolDefinition[]): Map<ToolDefinition, StandardSchemaWithJSON> {
  const out = new Map<ToolDefinition, StandardSchemaWithJSON>();
  for (const tool of tools) {
    const schema = tool.inputSchema;
    if (isZodSchema(schema)) {
      out.set(tool, schema as unknown as StandardSchemaWithJSON);
      continue;
    }
    claimId(tool, schema);
    try {
      // A deep copy: the advertised schema must not change if the author's object is mutated later.
      out.set(tool, fromJsonSchema(structuredClone(schema)));
    } catch (err) {
      throw new ToolDefinitionError(`tool ${tool.name}: inputSchema does not compile: ${(err as Error).message}`);
    }
  }
  return out;
}
