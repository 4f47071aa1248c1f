// Investigation probe: the official MCP SDK v2 server alone (McpServer + createMcpHandler), no zod
// schema of ours, no jose; constructed at module scope. Its import time is what lazy-loading the SDK saves.
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';

const mcp = createMcpHandler(() => new McpServer({ name: 'probe', version: '1.0.0' }));
export async function handler(request: Request): Promise<Response> {
  return request.headers.has('authorization') ? mcp.fetch(request) : new Response(null, { status: 401 });
}
