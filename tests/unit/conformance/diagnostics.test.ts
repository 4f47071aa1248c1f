// The server-stateless scenario's list-change hooks: a tools/call of test_trigger_tool_change (or
// test_trigger_prompt_change) puts that change on the /mcp handler's change-event bus, which is what the SDK's
// subscriptions/listen router follows. Through the real /mcp core (2026-07-28 request, the SDK's own
// InMemoryServerEventBus as the bus); without a bus the hooks answer and announce nothing.
import { type AuthInfo, InMemoryServerEventBus, type ServerEvent } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { toAuthInfo } from '../../../lib/auth/index.ts';
import { loadConfig } from '../../../lib/config.ts';
import { createMcpCore } from '../../../lib/mcp/endpoint.ts';
import { createServerFactory } from '../../../lib/mcp/server.ts';
import { withConformanceFixtures } from '../../../lib/tools/conformance/index.ts';
import { tools } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp' });
const authInfo: AuthInfo = toAuthInfo({ subject: 'a', clientId: 'c', scopes: ['mcp:tools'], expiresAt: 0, issuer: '' });

async function call(bus: InMemoryServerEventBus | undefined, name: string): Promise<string> {
  const extras = withConformanceFixtures(bus);
  const core = createMcpCore(cfg, {
    tools,
    extras,
    factory: createServerFactory(tools, extras),
    ...(bus ? { bus } : {}),
    insufficientScope: () => new Response(null, { status: 403 }),
  });
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const res = await core(
    new Request('http://127.0.0.1:3000/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': name,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: {}, _meta: meta },
      }),
    }),
    authInfo,
    testContext(),
  );
  const text = await res.text();
  const data = text.split('\n').filter((l) => l.startsWith('data:'));
  return JSON.parse(data.length ? data.at(-1)!.slice(5) : text).result.content[0].text;
}

describe('list-change diagnostic hooks', () => {
  it('publish the tools or prompts list change on the bus, once per call', async () => {
    const bus = new InMemoryServerEventBus();
    const seen: ServerEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    expect(await call(bus, 'test_trigger_tool_change')).toBe('tools/list_changed announced');
    expect(await call(bus, 'test_trigger_prompt_change')).toBe('prompts/list_changed announced');
    expect(seen.map((e) => e.kind)).toEqual(['tools_list_changed', 'prompts_list_changed']);
  });

  it('announce nothing without a bus, and say so', async () => {
    expect(await call(undefined, 'test_trigger_tool_change')).toBe('no change-event bus: nothing announced');
  });
});
