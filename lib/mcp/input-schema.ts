// A tool's input schema as the SDK's registerTool takes it. A zod schema keeps zod's own validation and
// JSON Schema conversion, but its conversion runs once per process (issue #18: every fresh per-request
// server converted it again, ~25 µs a tools/call and ~60 µs a tools/list) and the result is deep-frozen,
// so tools/list stays byte-identical and no request can change what the next one advertises. A JSON
// Schema 2020-12 object is wrapped once with the SDK's fromJsonSchema, which advertises it verbatim and
// validates arguments with the Ajv 2020-12 engine the SDK bundles (no second validator in our dependencies).
//
//   compileInputSchemas(tools)   compiles every JSON Schema now (at factory creation), throwing on a broken one
//   inputSchemaOf(tool)          the registerTool inputSchema, made once per tool definition
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
  const known = compiled.get(tool);
  if (known) return known;
  const schema = tool.inputSchema;
  if (isZodSchema(schema)) {
    const once = convertedOnce(schema as unknown as StandardSchemaWithJSON);
    compiled.set(tool, once);
    return once;
  }
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

/** Freezes `value` and everything reachable from it; returns it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The memo key of a conversion: `io:target` for the SDK's usual `{ target }` options, else their JSON. Pure. */
export function optionsKey(io: 'input' | 'output', options: unknown): string {
  if (typeof options === 'object' && options !== null) {
    let only = true;
    for (const k in options) if (k !== 'target') only = false;
    const target = (options as { target?: unknown }).target;
    if (only && typeof target === 'string' && Object.hasOwn(options, 'target')) return `${io}:${target}`;
  }
  return `${io} ${JSON.stringify(options)}`;
}

/**
 * The same Standard Schema with its JSON Schema conversion memoised (per direction and options) and
 * deep-frozen. Validation is zod's own `~standard.validate`, untouched.
 */
function convertedOnce(schema: StandardSchemaWithJSON): StandardSchemaWithJSON {
  const std = schema['~standard'];
  const memo = new Map<string, Record<string, unknown>>();
  const converter =
    (io: 'input' | 'output') =>
    (options: Parameters<typeof std.jsonSchema.input>[0]): Record<string, unknown> => {
      const key = optionsKey(io, options);
      let json = memo.get(key);
      if (json === undefined) {
        json = deepFreeze(std.jsonSchema[io](options));
        memo.set(key, json);
      }
      return json;
    };
  return {
    '~standard': {
      version: std.version,
      vendor: std.vendor,
      validate: (value: unknown) => std.validate(value),
      jsonSchema: { input: converter('input'), output: converter('output') },
    },
  } as StandardSchemaWithJSON;
}

/**
 * Compiles every tool's JSON Schema now, so one that does not compile fails start-up (or the build) with the
 * tool's name rather than its first call.
 */
export function compileInputSchemas(tools: readonly ToolDefinition[]): void {
  for (const tool of tools) inputSchemaOf(tool);
}
