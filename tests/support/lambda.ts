// Test doubles for what only AWS provides: Function URL events, a Lambda context, and a response
// stream that records every write with its arrival time (the runtime's framing, from local/runtime.ts).
import { randomUUID } from 'node:crypto';
import type { ALBEvent, APIGatewayProxyEvent, Context, LambdaFunctionURLEvent } from 'aws-lambda';
import {
  createPreludeParser,
  installAwsLambdaGlobal,
  type ParsedPrelude,
  RuntimeResponseStream,
} from '../../local/runtime.ts';

installAwsLambdaGlobal();

export interface EventInit {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string | Buffer;
  base64?: boolean;
  sourceIp?: string;
}

export function functionUrlEvent(init: EventInit = {}): LambdaFunctionURLEvent {
  const method = init.method ?? 'GET';
  const path = init.path ?? '/mcp';
  const base64 = init.base64 ?? Buffer.isBuffer(init.body);
  const body =
    init.body === undefined ? undefined : base64 ? Buffer.from(init.body).toString('base64') : String(init.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: init.query ?? '',
    cookies: init.cookies,
    headers: { host: '127.0.0.1:3000', 'x-forwarded-proto': 'http', ...init.headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'test',
      domainName: '127.0.0.1:3000',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: init.sourceIp ?? '203.0.113.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: body !== undefined && base64,
  } as LambdaFunctionURLEvent;
}

/** Splits `a=1&a=2&b` into decoded single- and multi-value maps, as API Gateway REST does. */
function restQuery(query: string | undefined) {
  const params = new URLSearchParams(query ?? '');
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of params) {
    single[k] = v;
    multi[k] = [...(multi[k] ?? []), v];
  }
  return params.size ? { single, multi } : { single: null, multi: null };
}

function eventBody(init: EventInit) {
  const base64 = init.base64 ?? Buffer.isBuffer(init.body);
  const body = init.body === undefined ? null : base64 ? Buffer.from(init.body).toString('base64') : String(init.body);
  return { body, isBase64Encoded: body !== null && base64 };
}

/** An API Gateway REST (payload 1.0) proxy event; headers keep the case the client sent. */
export function restEvent(init: EventInit = {}): APIGatewayProxyEvent {
  const method = init.method ?? 'GET';
  const path = init.path ?? '/mcp';
  const headers: Record<string, string> = { Host: 'api.example.com', 'X-Forwarded-Proto': 'https', ...init.headers };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  const q = restQuery(init.query);
  return {
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: q.single,
    multiValueQueryStringParameters: q.multi,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.example.com',
      httpMethod: method,
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: path,
      stage: 'prod',
      identity: { sourceIp: init.sourceIp ?? '203.0.113.7', userAgent: 'vitest' },
    },
    ...eventBody(init),
  } as unknown as APIGatewayProxyEvent;
}

/**
 * An Application Load Balancer event. ALB passes query values as the client sent them (still
 * percent-encoded) and, with multi-value headers on, only `multiValueHeaders`.
 */
export function albEvent(init: EventInit & { multiValue?: boolean } = {}): ALBEvent {
  const headers: Record<string, string> = { host: 'mcp.example.com', 'x-forwarded-proto': 'https', ...init.headers };
  const raw = (init.query ?? '').split('&').filter(Boolean);
  const pairs = raw.map((p) => {
    const at = p.indexOf('=');
    return at < 0 ? [p, ''] : [p.slice(0, at), p.slice(at + 1)];
  });
  const base = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:local:000000000000:targetgroup/t/1' } },
    httpMethod: init.method ?? 'GET',
    path: init.path ?? '/mcp',
    ...eventBody(init),
  };
  if (init.multiValue) {
    const multiValueQueryStringParameters: Record<string, string[]> = {};
    for (const [k, v] of pairs)
      multiValueQueryStringParameters[k!] = [...(multiValueQueryStringParameters[k!] ?? []), v!];
    return {
      ...base,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      multiValueQueryStringParameters,
    } as ALBEvent;
  }
  return { ...base, headers, queryStringParameters: Object.fromEntries(pairs) } as ALBEvent;
}

export function lambdaContext(timeoutMs = 30_000, name = 'TestFunction'): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: randomUUID(),
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

export interface RecordedWrite {
  at: number;
  bytes: Buffer;
}

/** A runtime response stream that keeps every raw write (prelude included) with its time. */
export function recordingStream() {
  const writes: RecordedWrite[] = [];
  const stream = new RuntimeResponseStream((bytes) => writes.push({ at: performance.now(), bytes }));
  return {
    stream,
    writes,
    raw: () => Buffer.concat(writes.map((w) => w.bytes)),
    /** Decodes the Function URL framing: prelude, then body chunks with arrival times. */
    decode() {
      let prelude: ParsedPrelude | undefined;
      const chunks: Array<{ at: number; text: string }> = [];
      let now = 0;
      const parse = createPreludeParser(
        (p) => {
          prelude = p;
        },
        (c) => chunks.push({ at: now, text: c.toString('utf8') }),
      );
      for (const w of writes) {
        now = w.at;
        parse(w.bytes);
      }
      return { prelude, chunks, body: chunks.map((c) => c.text).join('') };
    },
  };
}
