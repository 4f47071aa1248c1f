// The adapter inside the real SDK v2 sessionful transport: events the server sends while no GET stream
// is open are stored, and a GET with Last-Event-ID replays them; a foreign event id gets 400.
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createMemoryStores, eventIdFor, newSessionId, sessionEventStore } from '../../../lib/store/index.ts';
import { baseConfig } from './contract.ts';

const URL_ = 'http://127.0.0.1/mcp';

async function readUntil(res: Response, needle: string, ms = 3_000): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!text.includes(needle) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), 200)),
    ]);
    if (chunk.value) text += dec.decode(chunk.value, { stream: true });
    else if (chunk.done && Date.now() >= deadline) break;
  }
  await reader.cancel().catch(() => {});
  return text;
}

describe('sessionEventStore inside WebStandardStreamableHTTPServerTransport', () => {
  it('replays stored standalone events after Last-Event-ID and refuses a foreign one', async () => {
    const stores = createMemoryStores(baseConfig());
    const id = newSessionId();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: sessionEventStore(stores.events, id),
    });
    const server = new McpServer({ name: 't', version: '1.0.0' }, { capabilities: { logging: {} } });
    await server.connect(transport);
    const headers = {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-protocol-version': '2025-11-25',
    };
    const init = await transport.handleRequest(
      new Request(URL_, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
        }),
      }),
    );
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBe(id);
    expect(await readUntil(init, '"result"')).toContain('"protocolVersion"');
    const sessionHeaders = { ...headers, 'mcp-session-id': id };
    const ack = await transport.handleRequest(
      new Request(URL_, {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      }),
    );
    expect(ack.status).toBe(202);

    // No GET stream is open: the transport stores the notification and drops it on the floor.
    await server.server.notification({ method: 'notifications/message', params: { level: 'info', data: 'hello-1' } });
    await server.server.notification({ method: 'notifications/message', params: { level: 'info', data: 'hello-2' } });

    const get = await transport.handleRequest(
      new Request(URL_, {
        headers: { ...sessionHeaders, accept: 'text/event-stream', 'last-event-id': eventIdFor(id, '_GET_stream', 0) },
      }),
    );
    expect(get.status).toBe(200);
    const text = await readUntil(get, 'hello-2');
    expect(text).toContain(`id: ${eventIdFor(id, '_GET_stream', 1)}`);
    expect(text.indexOf('hello-1')).toBeGreaterThan(-1);
    expect(text.indexOf('hello-1')).toBeLessThan(text.indexOf('hello-2'));

    const foreign = await transport.handleRequest(
      new Request(URL_, {
        headers: {
          ...sessionHeaders,
          accept: 'text/event-stream',
          'last-event-id': eventIdFor(newSessionId(), '_GET_stream', 0),
        },
      }),
    );
    expect(foreign.status).toBe(400);
    await transport.close();
  });
});
