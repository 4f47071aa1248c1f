import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventToRequest, isRestEvent, requestFacts } from '../../../lib/http/event.ts';
import { functionUrlEvent } from '../../support/lambda.ts';

describe('Function URL event -> Request', () => {
  it('decodes a base64 body byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    const req = eventToRequest(
      functionUrlEvent({ method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(Buffer.from(await req.arrayBuffer())).toEqual(bytes);
  });

  it('keeps a text body as UTF-8', async () => {
    const req = eventToRequest(functionUrlEvent({ method: 'POST', body: '{"a":"é"}' }));
    expect(await req.text()).toBe('{"a":"é"}');
  });

  it('keeps comma-joined repeated headers and rebuilds the Cookie header from cookies[]', () => {
    const req = eventToRequest(
      functionUrlEvent({ headers: { accept: 'application/json,text/event-stream' }, cookies: ['a=1', 'b=2'] }),
    );
    expect(req.headers.get('accept')).toBe('application/json,text/event-stream');
    expect(req.headers.get('cookie')).toBe('a=1; b=2');
  });

  it('carries the raw path and query string', () => {
    const req = eventToRequest(functionUrlEvent({ path: '/messages/', query: 'sessionId=abc&x=%20y' }));
    const url = new URL(req.url);
    expect(url.pathname).toBe('/messages/');
    expect(url.searchParams.get('sessionId')).toBe('abc');
    expect(url.searchParams.get('x')).toBe(' y');
    expect(url.origin).toBe('http://127.0.0.1:3000');
  });

  it('gives GET no body and an empty POST an empty body', async () => {
    expect(eventToRequest(functionUrlEvent({ method: 'GET', body: 'ignored' })).body).toBeNull();
    const post = eventToRequest(functionUrlEvent({ method: 'POST' }));
    expect(await post.text()).toBe('');
  });

  it('reports source ip and request id', () => {
    const ev = functionUrlEvent({ sourceIp: '198.51.100.9' });
    const facts = requestFacts(ev, 'fallback');
    expect(facts.sourceIp).toBe('198.51.100.9');
    expect(facts.requestId).toBe(ev.requestContext.requestId);
    expect(facts.userAgent).toBe('vitest');
  });

  it('passes the abort signal through to the Request', () => {
    const ac = new AbortController();
    const req = eventToRequest(functionUrlEvent(), ac.signal);
    ac.abort();
    expect(req.signal.aborted).toBe(true);
  });
});

describe('API Gateway REST (payload 1.0) event -> Request', () => {
  const rest = {
    httpMethod: 'POST',
    path: '/mcp',
    resource: '/mcp',
    headers: { Host: 'api.example.com', 'X-Multi': 'last' },
    multiValueHeaders: { Host: ['api.example.com'], 'X-Multi': ['first', 'last'] },
    queryStringParameters: { a: '2' },
    multiValueQueryStringParameters: { a: ['1', '2'] },
    body: Buffer.from('{"x":1}').toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: 'rest-req',
      domainName: 'api.example.com',
      identity: { sourceIp: '192.0.2.1', userAgent: 'ua' },
    },
  } as unknown as APIGatewayProxyEvent;

  it('is recognised by its shape', () => {
    expect(isRestEvent(rest)).toBe(true);
    expect(isRestEvent(functionUrlEvent())).toBe(false);
  });

  it('does not drop multi-value headers or query values', async () => {
    const req = eventToRequest(rest);
    expect(req.headers.get('x-multi')).toBe('first, last');
    expect(new URL(req.url).searchParams.getAll('a')).toEqual(['1', '2']);
    expect(await req.text()).toBe('{"x":1}');
    expect(requestFacts(rest, 'f')).toEqual({ requestId: 'rest-req', sourceIp: '192.0.2.1', userAgent: 'ua' });
  });
});
