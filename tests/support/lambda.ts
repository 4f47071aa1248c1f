// Test doubles for what only AWS provides: Function URL events, a Lambda context, and a response
// stream that records every write with its arrival time (the runtime's framing, from local/runtime.ts).
import { randomUUID } from 'node:crypto';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
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
