// The reference MCP server: the official SDK v2 as its docs show it, with nothing of ours in it.
// One stateless `createMcpHandler` (2026-07-28, with the SDK's default stateless 2025 fallback) and a
// fresh McpServer per request, registering tools with plain `registerTool`.
//
//   createReferenceHandler(): one `echo` tool with a zod schema (the warm benchmark, bench/reference/servers.ts)
//   createReferenceHandler({ tools: demoTools }): the same tool set as ours (names, titles, descriptions, zod
//     input schemas, annotations of lib/tools/demo.ts), so `tools/list` is the same work (bench/cpu.ts); `echo`
//     answers as ours does, the others are never called by the benchmark and answer a fixed text.
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** The parts of a tool definition the reference registers (a subset of lib/tools ToolDefinition). */
export interface ReferenceTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: unknown;
  annotations?: Record<string, unknown>;
}

const echoOnly: ReferenceTool[] = [
  { name: 'echo', description: 'Returns the text it is given.', inputSchema: z.object({ text: z.string() }) },
];

export function createReferenceHandler(
  options: { tools?: readonly ReferenceTool[] } = {},
): (request: Request) => Promise<Response> {
  const tools = options.tools ?? echoOnly;
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'sdk-reference', version: '1.0.0' }, { capabilities: { tools: {} } });
    for (const t of tools) {
      server.registerTool(
        t.name,
        {
          ...(t.title ? { title: t.title } : {}),
          ...(t.description ? { description: t.description } : {}),
          inputSchema: t.inputSchema as z.ZodObject,
          ...(t.annotations ? { annotations: t.annotations } : {}),
        },
        t.name === 'echo'
          ? async ({ text }: { text?: unknown }) => ({ content: [{ type: 'text' as const, text: String(text) }] })
          : async () => ({ content: [{ type: 'text' as const, text: `${t.name}: not served by the reference` }] }),
      );
    }
    return server;
  });
  return (request) => handler.fetch(request);
}
