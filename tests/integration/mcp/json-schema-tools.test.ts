// Schemas as written: a tool may give its input schema as JSON Schema 2020-12 instead of zod. tools/list
// returns it with every keyword intact (composition, conditionals, $defs/$anchor/$ref, additionalProperties)
// in both eras, and tools/call validates arguments against that same schema before the handler runs.
// Through the real /mcp core (createMcpCore: era routing, the SDK's createMcpHandler and its stateless 2025
// fallback) with the real SDK server; requests are web Requests in-process.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { createMcpCore } from '../../../lib/mcp/endpoint.ts';
import { createServerFactory } from '../../../lib/mcp/server.ts';
import { defineTool, type ToolDefinition, ToolDefinitionError } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { $anchor: 'addr', type: 'object', properties: { city: { type: 'string', minLength: 1 } } } },
  properties: {
    contact: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string', pattern: '^[0-9+ ]+$' },
    email: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    count: { type: 'integer', minimum: 1 },
  },
  required: ['contact'],
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contact: { const: 'phone' } } },
  // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword; an object, never a thenable.
  then: { required: ['phone'] },
  else: { required: ['email'] },
  oneOf: [{ not: { required: ['count'] } }, { required: ['count'] }],
  additionalProperties: false,
};

const contactTool = defineTool({
  name: 'contact',
  description: 'Takes a JSON Schema 2020-12 input schema.',
  inputSchema: SCHEMA as typeof SCHEMA & { type: 'object' },
  async handler(args) {
    return { content: [{ type: 'text', text: `ok ${JSON.stringify(args)}` }] };
  },
});

const zodTool = defineTool({
  name: 'shout',
  description: 'Takes a zod input schema.',
  inputSchema: z.object({ text: z.string().max(10) }),
  async handler({ text }) {
    return { content: [{ type: 'text', text: text.toUpperCase() }] };
  },
});

const tools = [contactTool, zodTool] as unknown as ToolDefinition[];
const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp' });
const authInfo: AuthInfo = toAuthInfo({
  subject: 'alice',
  clientId: 'c',
  scopes: ['mcp:tools'],
  expiresAt: 0,
  issuer: '',
});
const core = createMcpCore(cfg, { tools, insufficientScope: () => new Response(null, { status: 403 }) });

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'json-schema-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Rpc = { result?: Record<string, unknown>; error?: { code: number; message: string } };

async function rpc(era: '2026' | '2025', method: string, params: Record<string, unknown>): Promise<Rpc> {
  const modern = era === '2026';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25',
  };
  if (modern) {
    headers['mcp-method'] = method;
    if (typeof params.name === 'string') headers['mcp-name'] = params.name;
  }
  const body = { jsonrpc: '2.0', id: 1, method, params: modern ? { ...params, _meta: META } : params };
  const res = await core(
    new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers, body: JSON.stringify(body) }),
    authInfo,
    testContext(),
  );
  const text = await res.text();
  const data = text.split('\n').filter((l) => l.startsWith('data:'));
  return JSON.parse(data.length ? data.at(-1)!.slice(5) : text);
}

async function listed(era: '2026' | '2025', name: string): Promise<unknown> {
  const tools = ((await rpc(era, 'tools/list', {})).result?.tools ?? []) as Array<{
    name: string;
    inputSchema: unknown;
  }>;
  return tools.find((t) => t.name === name)?.inputSchema;
}

const textOf = (r: Rpc) => (r.result?.content as Array<{ text: string }> | undefined)?.[0]?.text;

describe.each(['2026', '2025'] as const)('a JSON Schema 2020-12 input schema (%s era)', (era) => {
  it('is listed exactly as written: every keyword intact', async () => {
    expect(await listed(era, 'contact')).toEqual(SCHEMA);
  });

  it('refuses arguments the schema refuses (conditional, composition, $ref target, additionalProperties)', async () => {
    const refused = [
      { contact: 'phone', email: 'a@b' }, // if/then: phone needed
      { contact: 'email' }, // allOf/anyOf and else: email needed
      { contact: 'email', email: 'a@b', address: { city: '' } }, // $ref target: minLength
      { contact: 'email', email: 'a@b', extra: 1 }, // additionalProperties: false
      { contact: 'phone', phone: 'not-a-number' }, // pattern
      { contact: 'email', email: 'a@b', count: 0 }, // minimum
      { contact: 'fax', email: 'a@b' }, // enum
      { email: 'a@b' }, // required
    ];
    for (const args of refused) {
      const r = await rpc(era, 'tools/call', { name: 'contact', arguments: args });
      expect(textOf(r) ?? '', JSON.stringify(args)).not.toMatch(/^ok /);
      expect(r.error?.code ?? (r.result?.isError ? 'isError' : undefined), JSON.stringify(args)).toBeDefined();
    }
  });

  it('passes arguments the schema accepts to the handler unchanged', async () => {
    for (const args of [
      { contact: 'phone', phone: '+44 20' },
      { contact: 'email', email: 'a@b', address: { city: 'Oslo' }, count: 2 },
    ]) {
      const r = await rpc(era, 'tools/call', { name: 'contact', arguments: args });
      expect(textOf(r)).toBe(`ok ${JSON.stringify(args)}`);
    }
  });

  it('leaves zod tools as they were: zod-derived schema, zod validation', async () => {
    expect(await listed(era, 'shout')).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', maxLength: 10 } },
      required: ['text'],
    });
    expect(textOf(await rpc(era, 'tools/call', { name: 'shout', arguments: { text: 'hi' } }))).toBe('HI');
    const long = await rpc(era, 'tools/call', { name: 'shout', arguments: { text: 'far too long' } });
    expect(textOf(long) ?? '').not.toBe('FAR TOO LONG');
  });
});

describe('defineTool and the factory refuse an unusable JSON Schema', () => {
  const base = { name: 'bad', description: 'x', handler: async () => ({ content: [] }) };
  it.each([
    ['not an object at the root', { type: 'string' }],
    ['no type', { properties: {} }],
    ['another dialect', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }],
    ['an array', [{ type: 'object' }]],
  ])('%s', (_why, inputSchema) => {
    expect(() => defineTool({ ...base, inputSchema } as never)).toThrow(ToolDefinitionError);
  });

  it('a schema that does not compile fails at factory creation, naming the tool', () => {
    const broken = defineTool({
      ...base,
      inputSchema: { type: 'object', properties: { a: { $ref: '#/$defs/none' } } },
    });
    expect(() => createServerFactory([broken as unknown as ToolDefinition])).toThrow(/tool bad: inputSchema/);
  });

  it('two different schemas under one $id are refused (the validator caches by $id); the same one twice is fine', () => {
    const a = defineTool({
      ...base,
      name: 'a',
      inputSchema: { $id: 'urn:test:args', type: 'object', required: ['x'] },
    });
    const b = defineTool({
      ...base,
      name: 'b',
      inputSchema: { $id: 'urn:test:args', type: 'object', required: ['y'] },
    });
    expect(() => createServerFactory([a as unknown as ToolDefinition])).not.toThrow();
    expect(() => createServerFactory([a as unknown as ToolDefinition])).not.toThrow();
    expect(() => createServerFactory([b as unknown as ToolDefinition])).toThrow(
      /tool b: inputSchema \$id urn:test:args/,
    );
  });

  it('a later change to the author object does not change what is served', async () => {
    const schema = { type: 'object' as const, properties: { a: { type: 'string' } } };
    const tool = defineTool({ ...base, name: 'mutable', inputSchema: schema });
    const mutableCore = createMcpCore(cfg, {
      tools: [tool as unknown as ToolDefinition],
      insufficientScope: () => new Response(null, { status: 403 }),
    });
    schema.properties.a.type = 'number';
    const res = await mutableCore(
      new Request('http://127.0.0.1:3000/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/list',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } }),
      }),
      authInfo,
      testContext(),
    );
    const text = await res.text();
    expect(text).toContain('"a":{"type":"string"}');
  });
});
