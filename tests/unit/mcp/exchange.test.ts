import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { ExchangeTransport } from '../../../lib/mcp/exchange.ts';

function setup() {
  const fallback: JSONRPCMessage[] = [];
  const onStream: JSONRPCMessage[] = [];
  const t = new ExchangeTransport('s1', (m) => {
    fallback.push(m);
  });
  t.onmessage = () => {};
  const done = t.request(
    { jsonrpc: '2.0', id: 7, method: 'tools/call' } as JSONRPCMessage & { id: number },
    {},
    (m) => {
      onStream.push(m);
    },
  );
  return { t, fallback, onStream, done };
}

describe('ExchangeTransport routing', () => {
  it('sends related notifications and the response on the request stream, then settles', async () => {
    const { t, fallback, onStream, done } = setup();
    await t.send({ jsonrpc: '2.0', method: 'notifications/progress', params: {} }, { relatedRequestId: 7 });
    await t.send({ jsonrpc: '2.0', id: 7, result: {} } as JSONRPCMessage);
    await done;
    expect(onStream).toHaveLength(2);
    expect(fallback).toEqual([]);
  });

  it('sends unrelated notifications to the fallback (the session stream)', async () => {
    const { t, fallback, onStream } = setup();
    await t.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    expect(fallback).toHaveLength(1);
    expect(onStream).toEqual([]);
  });

  it('sends a server request without relatedRequestId (SDK elicitation/sampling) on the open request stream', async () => {
    const { t, fallback, onStream } = setup();
    await t.send({ jsonrpc: '2.0', id: 'srv-1', method: 'elicitation/create', params: {} } as JSONRPCMessage);
    expect(onStream.map((m) => (m as { method?: string }).method)).toEqual(['elicitation/create']);
    expect(fallback).toEqual([]);
    expect(t.outgoingRequests.has(JSON.stringify('srv-1'))).toBe(true);
  });
});
