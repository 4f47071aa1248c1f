// A tool's input schema as the SDK's registerTool takes it. A zod schema goes through unchanged (so the
// tools/list output of existing tools stays byte-identical); a JSON Schema 2020-12 object is wrapped once with
// the SDK's fromJsonSchema, which advertises it verbatim and validates arguments with the Ajv 2020-12 engine
// the SDK bundles (no second validator in our dependencies).
//
//   compileInputSchemas(tools)   compiles every JSON Schema now (at factory creation), throwing on a broken one
//   inputSchemaOf(tool)          the registerTool inputSchema, compiled once per tool definition
import { fromJsonSchema, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { isZodSchema, type ToolDefinition, ToolDefinitionError } from '../tools/index.ts';

/** Compiled schemas by tool definition: per-request servers reuse them (an Ajv compile per request would not do). */
const compiled = new WeakMap<ToolDefinition, StandardSchemaWithJSON>();

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

/** The registerTool `inputSchema` of `tool`; throws a ToolDefinitionError naming the tool when it does not compile. */
export function inputSchemaOf(tool: ToolDefinition): StandardSchemaWithJSON {
  const schema = tool.inputSchema;
  if (isZodSchema(schema)) return schema as unknown as StandardSchemaWithJSON;
  const known = compiled.get(tool);
  if (known) return known;
  claimId(tool, schema);
  let wrapped: StandardSchemaWithJSON;
  try {
    // A deep copy: the advertised schema must not change if the author's object is mutated later.
    wrapped = fromJsonSchema(structuredClone(schema));
  } catch (err) {
    throw new ToolDefinitionError(`tool ${tool.name}: inputSchema does not compile: ${(err as Error).message}`);
  }
  compiled.set(tool, wrapped);
  return wrapped;
}

/**
 * Compiles every tool's JSON Schema now, so one that does not compile fails start-up (or the build) with the
 * tool's name rather than its first call.
 */
export function compileInputSchemas(tools: readonly ToolDefinition[]): void {
  for (const tool of tools) inputSchemaOf(tool);
}
