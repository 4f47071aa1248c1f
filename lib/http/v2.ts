// Payload 2.0: Lambda Function URLs and API Gateway HTTP APIs. Header names arrive lower-cased with
// repeats comma-joined; cookies travel apart from the headers, in `cookies`, both ways.
import type { APIGatewayProxyEventV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { decodeBody, encodeBody, encodeText } from './body.ts';
import { BODYLESS, type EventProcessor, type HttpEvent } from './processor.ts';
import { requestOf } from './request.ts';
import { preludeOf } from './stream.ts';

export type V2Event = LambdaFunctionURLEvent | APIGatewayProxyEventV2;

export interface V2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
}

const UPPER = /[A-Z]/;

/**
 * The headers as a record (Request then builds its Headers once). Names are lower-case from AWS; an
 * upper-case one (a hand-made event) is lower-cased, and names that differ only in case are comma-joined,
 * as in v1.ts. Never a Headers object here: a name or value Headers refuses must reach request.ts, which
 * repairs or reports it, instead of throwing before any app code ran.
 */
function headersOf(event: V2Event): {
  headers: Record<string, string>;
  get(name: string): string | undefined;
} {
  const src = event.headers ?? {};
  // No prototype: a header named `__proto__` or `constructor` is just a header.
  const plain: Record<string, string> = Object.create(null);
  for (const k in src) {
    const v = src[k];
    if (v === undefined) continue;
    const name = UPPER.test(k) ? k.toLowerCase() : k;
    plain[name] = Object.hasOwn(plain, name) ? `${plain[name]}, ${v}` : v;
  }
  if (event.cookies?.length) plain.cookie = event.cookies.join('; ');
  return { headers: plain, get: (name) => plain[name] };
}

export const v2Processor: EventProcessor<V2Event, V2Result> = {
  accepts(event: HttpEvent): event is V2Event {
    return typeof (event as V2Event).rawPath === 'string';
  },

  parts(event) {
    const { headers, get } = headersOf(event);
    const method = event.requestContext.http.method.toUpperCase();
    return {
      method,
      proto: get('x-forwarded-proto'),
      host: get('host') ?? event.requestContext.domainName,
      path: event.rawPath,
      query: event.rawQueryString,
      headers,
      body() {
        if (BODYLESS.has(method)) return undefined;
        // A text body goes to Request as the string (encoded to UTF-8 once, as Buffer.from would) rather
        // than as bytes Request would copy again; only when a content type is named, since a string body
        // without one would get text/plain added.
        return !event.isBase64Encoded && event.body && get('content-type') !== undefined
          ? event.body
          : decodeBody(event.body, event.isBase64Encoded);
      },
    };
  },

  toRequest(event, signal) {
    return requestOf(v2Processor.parts(event), signal);
  },

  async toResult(response) {
    const { statusCode, headers, cookies } = preludeOf(response);
    return { statusCode, headers, cookies, ...(await encodeBody(response)) };
  },

  staticResult(answer) {
    return { statusCode: answer.status, headers: { ...answer.headers }, cookies: [], ...encodeText(answer) };
  },

  facts(event) {
    return {
      requestId: event.requestContext.requestId,
      sourceIp: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
    };
  },
};
