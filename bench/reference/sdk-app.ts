// The reference MCP server: the official SDK v2 as its docs show it, with nothing of ours in it.
// One stateless `createMcpHandler` (2026-07-28, with the SDK's default stateless 2025 fallback) and a
// fresh McpServer per request holding one `echo` tool with a zod schema.
//
//   createReferenceHandler(): (request: Request) => Promise<Response>
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

export function createReferenceHandler(): (request: Request) => Promise<Response> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'sdk-reference', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool(
      'echo',
      { description: 'Returns the text it is given.', inputSchema: z.object({ text: z.string() }) },
      async ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
    return server;
  });
  return (request) => handler.fetch(request);
}
