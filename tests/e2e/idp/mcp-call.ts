// A minimal MCP client for the identity-provider suites: initialize, then one tools/call, over real HTTP
// with the token in the Authorization header only. Answers may come as JSON or as an SSE stream.

export interface Answer {
  status: number;
  challenge: string | null;
  /** The JSON-RPC result of the last message, if one came. */
  result?: Record<string, unknown>;
  text: string;
}

const VERSION = '2025-06-18';

async function post(url: string, token: string, body: unknown, session?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': VERSION,
      authorization: `Bearer ${token}`,
      ...(session ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  const jsons = res.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
    : [text];
  let result: Record<string, unknown> | undefined;
  for (const j of jsons) {
    try {
      const m = JSON.parse(j) as { result?: Record<string, unknown> };
      if (m.result) result = m.result;
    } catch {
      // not JSON (an error body or a comment line)
    }
  }
  return { status: res.status, challenge: res.headers.get('www-authenticate'), result, text };
}

/** initialize with `token`; then tools/call `tool` with `args`. Returns the answer to the call (or to initialize). */
export async function callTool(url: string, token: string, tool: string, args: unknown): Promise<Answer> {
  const init = await post(url, token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'idp-e2e', version: '1' } },
  });
  if (init.status !== 200) return answer(init);
  await init.text();
  const session = init.headers.get('mcp-session-id') ?? undefined;
  await (await post(url, token, { jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
  return answer(
    await post(
      url,
      token,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: args } },
      session,
    ),
  );
}

/** The text content of a tools/call result. */
export function textOf(a: Answer): string {
  const content = (a.result?.content ?? []) as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('');
}
