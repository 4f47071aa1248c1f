// A stateless 2026-07-28 `tools/call` POST as a client sends it: the Mcp-* headers that must match the body
// (SEP-2243) and the envelope claim in params._meta. Headers without Authorization: a caller adds its own.
export interface ToolCallOptions {
  id?: number | string;
  /** clientInfo.name in the envelope. */
  clientName?: string;
  /** More `_meta` members (a log level, a progress token...). */
  meta?: Record<string, unknown>;
}

export function toolCallRequest(
  name: string,
  args: Record<string, unknown>,
  { id = 1, clientName = 'test', meta = {} }: ToolCallOptions = {},
): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: clientName, version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {},
          ...meta,
        },
      },
    }),
  };
}
