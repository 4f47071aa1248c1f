// Fixture tools of the 2026-07-28 suite about what a tool declares: its input schema served as written
// (json-schema-2020-12: SEP-1613 and SEP-2106) and custom `x-mcp-header` parameters whose `Mcp-Param-*`
// headers the SDK's HTTP entry checks against the body (http-custom-header-server-validation: SEP-2243).
// Both schemas are plain JSON Schema 2020-12 wrapped with the SDK's fromJsonSchema: advertised verbatim,
// validated by the SDK's bundled Ajv 2020-12 engine. Compiled once, when the fixture pack first loads.
import { type CallToolResult, fromJsonSchema, type McpServer } from '@modelcontextprotocol/server';

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** The json-schema-2020-12 scenario's schema: `$defs` with `$anchor`, `$ref`, `allOf`/`anyOf`, `if`/`then`/`else`. */
export const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword; an object, so never a thenable.
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
} as const;

/**
 * SEP-2243 custom headers: each annotated property travels in an `Mcp-Param-<Name>` header as well as in the
 * body (strings as they are or `=?base64?…?=`, integers in decimal, booleans as `true`/`false`).
 */
export const CUSTOM_HEADERS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    region: {
      type: 'string',
      description: 'Deployment region, mirrored in Mcp-Param-Region',
      'x-mcp-header': 'Region',
    },
    priority: { type: 'integer', description: 'Priority, mirrored in Mcp-Param-Priority', 'x-mcp-header': 'Priority' },
    verbose: { type: 'boolean', description: 'Verbosity, mirrored in Mcp-Param-Verbose', 'x-mcp-header': 'Verbose' },
    note: { type: 'string', description: 'Free text; not mirrored in any header' },
  },
  required: ['region'],
  additionalProperties: false,
} as const;

/** Tool names of this file. */
export const SCHEMA_TOOL_NAMES = ['json_schema_2020_12_tool', 'test_custom_headers'] as const;

let compiled: { jsonSchema: ReturnType<typeof fromJsonSchema>; customHeaders: ReturnType<typeof fromJsonSchema> };

export function registerSchemaTools(server: McpServer): void {
  compiled ??= {
    jsonSchema: fromJsonSchema(JSON_SCHEMA_2020_12),
    customHeaders: fromJsonSchema(CUSTOM_HEADERS_SCHEMA),
  };

  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features', inputSchema: compiled.jsonSchema },
    async (args) => text(`Received: ${JSON.stringify(args)}`),
  );

  server.registerTool(
    'test_custom_headers',
    {
      description: 'A tool with x-mcp-header parameters: their Mcp-Param-* headers must match the arguments.',
      inputSchema: compiled.customHeaders,
    },
    async (args) => text(`Received: ${JSON.stringify(args)}`),
  );
}
