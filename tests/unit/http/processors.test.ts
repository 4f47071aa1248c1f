// One processor per front: payload 2.0 (Function URL / HTTP API), payload 1.0 (API Gateway REST) and
// ALB, each turning its event into a Request and a Response into its buffered result.
import type { ALBEvent, APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { albProcessor, processorFor, v1Processor, v2Processor } from '../../../lib/http/index.ts';
import { albEvent, functionUrlEvent, restEvent } from '../../support/lambda.ts';

describe('processorFor picks the processor by shape', () => {
  it('payload 2.0, payload 1.0 and ALB each get their own', () => {
    expect(processorFor(functionUrlEvent())).toBe(v2Processor);
    expect(processorFor(restEvent())).toBe(v1Processor);
    expect(processorFor(albEvent())).toBe(albProcessor);
    expect(processorFor(albEvent({ multiValue: true }))).toBe(albProcessor);
  });
});

describe('payload 2.0 (Function URL) -> Request', () => {
  it('decodes a base64 body byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    const req = v2Processor.toRequest(
      functionUrlEvent({ method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(Buffer.from(await req.arrayBuffer())).toEqual(bytes);
  });

  it('keeps a text body as UTF-8', async () => {
    const req = v2Processor.toRequest(functionUrlEvent({ method: 'POST', body: '{"a":"é"}' }));
    expect(await req.text()).toBe('{"a":"é"}');
  });

  it('keeps comma-joined repeated headers and rebuilds the Cookie header from cookies[]', () => {
    const req = v2Processor.toRequest(
      functionUrlEvent({ headers: { accept: 'application/json,text/event-stream' }, cookies: ['a=1', 'b=2'] }),
    );
    expect(req.headers.get('accept')).toBe('application/json,text/event-stream');
    expect(req.headers.get('cookie')).toBe('a=1; b=2');
  });

  it('merges header names that differ only in case (not from AWS, but possible in a hand-made event)', () => {
    const req = v2Processor.toRequest(functionUrlEvent({ headers: { 'X-Trace': 'a' } }));
    expect(req.headers.get('x-trace')).toBe('a');
    expect(req.headers.get('host')).toBe('127.0.0.1:3000');
  });

  it('carries the raw path and query string', () => {
    const req = v2Processor.toRequest(functionUrlEvent({ path: '/messages/', query: 'sessionId=abc&x=%20y' }));
    const url = new URL(req.url);
    expect(url.pathname).toBe('/messages/');
    expect(url.searchParams.get('sessionId')).toBe('abc');
    expect(url.searchParams.get('x')).toBe(' y');
    expect(url.origin).toBe('http://127.0.0.1:3000');
  });

  it('gives GET no body and an empty POST an empty body', async () => {
    expect(v2Processor.toRequest(functionUrlEvent({ method: 'GET', body: 'ignored' })).body).toBeNull();
    const post = v2Processor.toRequest(functionUrlEvent({ method: 'POST' }));
    expect(await post.text()).toBe('');
  });

  it('reports source ip and request id', () => {
    const ev = functionUrlEvent({ sourceIp: '198.51.100.9' });
    expect(v2Processor.facts(ev)).toEqual({
      requestId: ev.requestContext.requestId,
      sourceIp: '198.51.100.9',
      userAgent: 'vitest',
    });
  });

  it('passes the abort signal through to the Request', () => {
    const ac = new AbortController();
    const req = v2Processor.toRequest(functionUrlEvent(), ac.signal);
    ac.abort();
    expect(req.signal.aborted).toBe(true);
  });

  it('headers named __proto__ or constructor change nothing else (Request itself drops __proto__)', () => {
    const req = v2Processor.toRequest(functionUrlEvent({ headers: { ['__proto__']: 'x', constructor: 'y' } }));
    expect(req.headers.get('constructor')).toBe('y');
    expect(req.headers.get('host')).toBe('127.0.0.1:3000');
    expect(req.url).toBe('http://127.0.0.1:3000/mcp');
  });
});

describe('payload 1.0 (API Gateway REST) -> Request', () => {
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

  it('does not drop multi-value headers or query values', async () => {
    const req = v1Processor.toRequest(rest);
    expect(req.headers.get('x-multi')).toBe('first, last');
    expect(new URL(req.url).searchParams.getAll('a')).toEqual(['1', '2']);
    expect(await req.text()).toBe('{"x":1}');
    expect(v1Processor.facts(rest)).toEqual({ requestId: 'rest-req', sourceIp: '192.0.2.1', userAgent: 'ua' });
  });

  it('re-encodes the decoded query values', () => {
    const req = v1Processor.toRequest(restEvent({ query: 'q=a%26b%3Dc&x=%20' }));
    const url = new URL(req.url);
    expect(url.searchParams.get('q')).toBe('a&b=c');
    expect(url.searchParams.get('x')).toBe(' ');
    expect(url.origin).toBe('https://api.example.com');
  });

  it('headers named __proto__ or constructor change nothing else; the single-value map fills gaps', () => {
    const ev = {
      ...rest,
      multiValueHeaders: { ['__proto__']: ['x'] },
      headers: { Host: 'api.example.com', constructor: 'c' },
    } as unknown as APIGatewayProxyEvent;
    const req = v1Processor.toRequest(ev);
    expect(req.headers.get('constructor')).toBe('c');
    expect(req.headers.get('host')).toBe('api.example.com');
    expect(req.url).toBe('https://api.example.com/mcp?a=1&a=2');
  });

  it('returns Set-Cookie as a multi-value header in its buffered result', async () => {
    const headers = new Headers({ 'content-type': 'application/octet-stream' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const r = await v1Processor.toResult(new Response(new Uint8Array([0, 255]), { status: 200, headers }), rest);
    expect(r.isBase64Encoded).toBe(true);
    expect(Buffer.from(r.body, 'base64')).toEqual(Buffer.from([0, 255]));
    expect(r.multiValueHeaders['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.multiValueHeaders['content-type']).toEqual(['application/octet-stream']);
  });
});

describe('ALB -> Request and back', () => {
  it('keeps query values as sent (ALB does not decode them)', () => {
    const req = albProcessor.toRequest(albEvent({ query: 'sessionId=a%2Bb&x=%20' }));
    const url = new URL(req.url);
    expect(url.searchParams.get('sessionId')).toBe('a+b');
    expect(url.searchParams.get('x')).toBe(' ');
    expect(url.origin).toBe('https://mcp.example.com');
  });

  it('reads multi-value headers and query values when the target group has them on', async () => {
    const ev = albEvent({
      multiValue: true,
      method: 'POST',
      query: 'a=1&a=2',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    const req = albProcessor.toRequest(ev);
    expect(new URL(req.url).searchParams.getAll('a')).toEqual(['1', '2']);
    expect(await req.text()).toBe('{"x":1}');
  });

  it('answers in the header form the event used, with a status description', async () => {
    const single = await albProcessor.toResult(
      new Response('{"ok":true}', { status: 404, headers: { 'content-type': 'application/json' } }),
      albEvent(),
    );
    expect(single).toEqual({
      statusCode: 404,
      statusDescription: '404 Not Found',
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
    const multi = await albProcessor.toResult(new Response('x', { status: 200 }), albEvent({ multiValue: true }));
    expect(multi.multiValueHeaders).toEqual({ 'content-type': ['text/plain;charset=UTF-8'] });
    expect(multi.headers).toBeUndefined();
  });

  it('takes the source ip from the last X-Forwarded-For entry (the one the load balancer added)', () => {
    const ev: ALBEvent = albEvent({ headers: { 'x-forwarded-for': '10.0.0.1, 198.51.100.4', 'user-agent': 'ua' } });
    expect(albProcessor.facts(ev)).toEqual({ requestId: undefined, sourceIp: '198.51.100.4', userAgent: 'ua' });
  });
});

describe('payload 2.0 buffered result', () => {
  it('returns cookies apart and a text body as text', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('set-cookie', 'a=1');
    const r = await v2Processor.toResult(new Response('{"ok":true}', { status: 200, headers }), functionUrlEvent());
    expect(r).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: ['a=1'],
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });
});
