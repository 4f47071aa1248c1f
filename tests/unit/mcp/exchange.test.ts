import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { ExchangeTransport } from '../../../lib/mcp/sessions/exchange.ts';

function setup(signal?: AbortSignal, sinkFails = false) {
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
      if (sinkFails) throw new Error('store down');
    },
    signal,
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

  it('sends a server request without relatedRequestId (SDK elicitation/sampling) on the open request stream, after the reply pump is ready', async () => {
    const { t, fallback, onStream } = setup();
    const order: string[] = [];
    t.beforeServerRequest = async () => {
      order.push(`pump ready with ${onStream.length} sent`);
    };
    await t.send({ jsonrpc: '2.0', id: 'srv-1', method: 'elicitation/create', params: {} } as JSONRPCMessage);
    expect(order).toEqual(['pump ready with 0 sent']);
    expect(onStream.map((m) => (m as { method?: string }).method)).toEqual(['elicitation/create']);
    expect(fallback).toEqual([]);
  });

  it('notifications and responses never start the reply pump', async () => {
    const { t } = setup();
    let started = 0;
    t.beforeServerRequest = async () => {
      started++;
    };
    await t.send({ jsonrpc: '2.0', method: 'notifications/progress', params: {} }, { relatedRequestId: 7 });
    await t.send({ jsonrpc: '2.0', id: 7, result: {} } as JSONRPCMessage);
    expect(started).toBe(0);
  });
});

describe('ExchangeTransport bounds', () => {
  it('a request the server never answers is answered with a JSON-RPC error when its bound aborts', async () => {
    const bound = new AbortController();
    const expired: unknown[] = [];
    const { t, onStream, done } = setup(bound.signal);
    t.onExpired = (id) => expired.push(id);
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    bound.abort();
    await done;
    expect(onStream).toEqual([{ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Request timed out' } }]);
    expect(expired).toEqual([7]);
    // A late answer from the server goes nowhere (the request is over).
    await t.send({ jsonrpc: '2.0', id: 7, result: {} } as JSONRPCMessage);
    expect(onStream).toHaveLength(1);
  });

  it('a request whose bound already passed is answered at once', async () => {
    const { onStream, done } = setup(AbortSignal.abort());
    await done;
    expect(onStream).toHaveLength(1);
  });

  it('a response whose sink fails (store down) still settles the request', async () => {
    const { t, done } = setup(undefined, true);
    await expect(t.send({ jsonrpc: '2.0', id: 7, result: {} } as JSONRPCMessage)).rejects.toThrow('store down');
    await done;
  });

  it('a cancel for a request that is not running (yet) never reaches the server (attack seed 718332308)', async () => {
    const delivered: JSONRPCMessage[] = [];
    const t = new ExchangeTransport('s1', () => {});
    t.onmessage = (m) => {
      delivered.push(m);
    };
    t.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } } as JSONRPCMessage, {});
    t.deliver(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: '__proto__' } } as JSONRPCMessage,
      {},
    );
    t.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage, {});
    expect(delivered.map((m) => (m as { method?: string }).method)).toEqual(['notifications/initialized']);
  });

  it('a cancel of a running request reaches the server and ends its waiter (the SDK sends no response to it)', async () => {
    const { t, onStream, done } = setup();
    const delivered: JSONRPCMessage[] = [];
    t.onmessage = (m) => {
      delivered.push(m);
    };
    const cancelled: unknown[] = [];
    t.onCancelled = (id) => cancelled.push(id);
    t.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } } as JSONRPCMessage, {});
    await done;
    expect(cancelled).toEqual([7]);
    expect(delivered.map((m) => (m as { method?: string }).method)).toEqual(['notifications/cancelled']);
    expect(onStream).toEqual([]);
  });
});
