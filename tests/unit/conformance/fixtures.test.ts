// The conformance fixture pack: registered on /mcp only with CONFORMANCE_FIXTURES=true, and then it
// answers what the official suite's server scenarios ask for. Driven in-process through the real
// /mcp web app (guards, auth-off, era routing) by the SDK v1 client the suite itself uses.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { loadConfig } from '../../../lib/config.ts';
import {
  CONFORMANCE_PROMPT_NAMES,
  CONFORMANCE_RESOURCE_TEMPLATES,
  CONFORMANCE_RESOURCE_URIS,
  CONFORMANCE_TOOL_NAMES,
} from '../../../lib/tools/conformance/index.ts';
import { CUSTOM_HEADERS_SCHEMA, JSON_SCHEMA_2020_12 } from '../../../lib/tools/conformance/schema-tools.ts';
import { testContext } from '../../support/context.ts';

const URL_ = 'http://127.0.0.1:3000/mcp';
const clients: Client[] = [];

async function connect(fixtures: boolean): Promise<Client> {
  const cfg = loadConfig({
    AUTH_DISABLED: 'true',
    MCP_PUBLIC_URL: URL_,
    ...(fixtures ? { CONFORMANCE_FIXTURES: 'true' } : {}),
  });
  const app = createMcpApp(cfg);
  const fetchInProcess = async (input: string | URL | Request, init?: RequestInit) =>
    app(new Request(input, init), testContext());
  const client = new Client(
    { name: 'fixture-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(URL_), { fetch: fetchInProcess }));
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
});

describe('conformance fixtures are off by default', () => {
  it('CONFORMANCE_FIXTURES defaults to false', () => {
    expect(loadConfig({ AUTH_DISABLED: 'true' }).conformanceFixtures).toBe(false);
  });

  it('without the flag: no fixture tools, and no resources or prompts capability', async () => {
    const client = await connect(false);
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const n of CONFORMANCE_TOOL_NAMES) expect(names).not.toContain(n);
    expect(names).toContain('echo');
    const caps = client.getServerCapabilities();
    expect(caps?.resources).toBeUndefined();
    expect(caps?.prompts).toBeUndefined();
    await expect(client.callTool({ name: 'test_simple_text', arguments: {} })).rejects.toThrow(/not found/);
  });
});

describe('conformance fixtures with CONFORMANCE_FIXTURES=true', () => {
  it('lists every tool the scenarios call, each with a description and an input schema, next to the demo tools', async () => {
    const client = await connect(true);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of CONFORMANCE_TOOL_NAMES) expect(names).toContain(n);
    expect(names).toContain('echo');
    for (const t of tools) {
      expect(t.description, t.name).toBeTruthy();
      expect(t.inputSchema, t.name).toBeTruthy();
    }
  });

  it('lists the JSON Schema 2020-12 tool exactly as written (SEP-1613, SEP-2106) and validates against it', async () => {
    const client = await connect(true);
    const tool = (await client.listTools()).tools.find((t) => t.name === 'json_schema_2020_12_tool');
    expect(tool?.inputSchema).toEqual(JSON_SCHEMA_2020_12);
    const ok = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: { email: 'a@b' } });
    expect((ok.content as Array<{ text: string }>)[0]!.text).toBe('Received: {"email":"a@b"}');
    // if/then: contactMethod phone needs a phone.
    const refused = await client
      .callTool({ name: 'json_schema_2020_12_tool', arguments: { contactMethod: 'phone', email: 'a@b' } })
      .catch((err: Error) => ({ isError: true, content: [{ text: err.message }] }));
    expect(refused.isError).toBe(true);
  });

  it('lists the x-mcp-header tool with its header names on primitive properties (SEP-2243)', async () => {
    const client = await connect(true);
    const tool = (await client.listTools()).tools.find((t) => t.name === 'test_custom_headers');
    expect(tool?.inputSchema).toEqual(CUSTOM_HEADERS_SCHEMA);
  });

  it('returns the content types the tools-call-* scenarios check', async () => {
    const client = await connect(true);
    const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
    expect(simple.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
    const image = await client.callTool({ name: 'test_image_content', arguments: {} });
    expect(image.content).toMatchObject([{ type: 'image', mimeType: 'image/png' }]);
    const png = Buffer.from((image.content as Array<{ data: string }>)[0]!.data, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const audio = await client.callTool({ name: 'test_audio_content', arguments: {} });
    expect(audio.content).toMatchObject([{ type: 'audio', mimeType: 'audio/wav' }]);
    const wav = Buffer.from((audio.content as Array<{ data: string }>)[0]!.data, 'base64');
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    const mixed = await client.callTool({ name: 'test_multiple_content_types', arguments: {} });
    expect((mixed.content as Array<{ type: string }>).map((c) => c.type)).toEqual(['text', 'image', 'resource']);
    const embedded = await client.callTool({ name: 'test_embedded_resource', arguments: {} });
    expect(embedded.content).toMatchObject([
      { type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain' } },
    ]);
    const error = await client.callTool({ name: 'test_error_handling', arguments: {} });
    expect(error.isError).toBe(true);
    expect((error.content as Array<{ text: string }>)[0]!.text).toContain('intentionally returns an error');
  });

  it('streams three log notifications and increasing progress before the result', async () => {
    const client = await connect(true);
    const logs: unknown[] = [];
    client.fallbackNotificationHandler = async (n) => {
      if (n.method === 'notifications/message') logs.push(n.params);
    };
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(logs).toHaveLength(3);
    const progress: number[] = [];
    await client.request(
      { method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {} } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(progress).toEqual([0, 50, 100]);
  });

  it('serves the resources, the template and subscribe/unsubscribe', async () => {
    const client = await connect(true);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    for (const u of CONFORMANCE_RESOURCE_URIS) expect(uris).toContain(u);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    for (const t of CONFORMANCE_RESOURCE_TEMPLATES) expect(templates).toContain(t);
    const text = await client.readResource({ uri: 'test://static-text' });
    expect(text.contents[0]).toMatchObject({ mimeType: 'text/plain', text: expect.stringContaining('static text') });
    const bin = await client.readResource({ uri: 'test://static-binary' });
    expect(bin.contents[0]).toMatchObject({ mimeType: 'image/png', blob: expect.any(String) });
    const tpl = await client.readResource({ uri: 'test://template/123/data' });
    expect(JSON.parse((tpl.contents[0] as { text: string }).text)).toMatchObject({ id: '123', templateTest: true });
    await expect(client.subscribeResource({ uri: 'test://watched-resource' })).resolves.toEqual({});
    await expect(client.unsubscribeResource({ uri: 'test://watched-resource' })).resolves.toEqual({});
    await expect(client.readResource({ uri: 'test://nope' })).rejects.toThrow();
  });

  it('serves the prompts and completes arg1', async () => {
    const client = await connect(true);
    const names = (await client.listPrompts()).prompts.map((p) => p.name);
    for (const n of CONFORMANCE_PROMPT_NAMES) expect(names).toContain(n);
    const withArgs = await client.getPrompt({
      name: 'test_prompt_with_arguments',
      arguments: { arg1: 'hello', arg2: 'world' },
    });
    expect(withArgs.messages[0]!.content).toEqual({
      type: 'text',
      text: "Prompt with arguments: arg1='hello', arg2='world'",
    });
    const embedded = await client.getPrompt({
      name: 'test_prompt_with_embedded_resource',
      arguments: { resourceUri: 'test://example-resource' },
    });
    expect(embedded.messages[0]!.content).toMatchObject({
      type: 'resource',
      resource: { uri: 'test://example-resource' },
    });
    const image = await client.getPrompt({ name: 'test_prompt_with_image' });
    expect(image.messages[0]!.content).toMatchObject({ type: 'image', mimeType: 'image/png' });
    const done = await client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'par' },
    });
    expect(done.completion.values).toEqual(['paris', 'park', 'party']);
  });

  it('round-trips sampling and elicitation on the tool call stream (2025 session)', async () => {
    const client = await connect(true);
    const asked: string[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      asked.push(`sampling:${JSON.stringify(req.params.messages[0]!.content)}`);
      return { role: 'assistant', content: { type: 'text', text: 'hi from the client' }, model: 'm' };
    });
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      const props = (req.params as { requestedSchema: { properties: Record<string, unknown> } }).requestedSchema
        .properties;
      asked.push(`elicit:${Object.keys(props).join(',')}`);
      return { action: 'accept', content: { username: 'u', email: 'e@example.com' } };
    });
    const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'ping?' } });
    expect(sampled.content).toEqual([{ type: 'text', text: 'LLM response: hi from the client' }]);
    const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
    expect((elicited.content as Array<{ text: string }>)[0]!.text).toContain('action=accept');
    await client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
    await client.callTool({ name: 'test_elicitation_sep1330_enums', arguments: {} });
    expect(asked).toEqual([
      'sampling:{"type":"text","text":"ping?"}',
      'elicit:username,email',
      'elicit:name,age,score,status,verified',
      'elicit:untitledSingle,titledSingle,legacyEnum,untitledMulti,titledMulti',
    ]);
  });
});
