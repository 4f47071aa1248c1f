// Lambda HTTP events -> web Request. One processor per event shape (as Hono's aws-lambda adapter does):
// Function URL / HTTP API payload 2.0, and API Gateway REST (payload 1.0, used by `sam local start-api`).
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, LambdaFunctionURLEvent } from 'aws-lambda';

export type HttpEvent = LambdaFunctionURLEvent | APIGatewayProxyEventV2 | APIGatewayProxyEvent;

/** Pure predicate: payload 1.0 (API Gateway REST) events have httpMethod at the top level. */
export function isRestEvent(event: HttpEvent): event is APIGatewayProxyEvent {
  return typeof (event as APIGatewayProxyEvent).httpMethod === 'string';
}

export interface RequestFacts {
  requestId: string;
  sourceIp: string;
  userAgent: string | undefined;
}

const BODYLESS = new Set(['GET', 'HEAD']);

function decodeBody(body: string | null | undefined, isBase64: boolean): Uint8Array<ArrayBuffer> | undefined {
  if (body === null || body === undefined || body === '') return undefined;
  const bytes = Buffer.from(body, isBase64 ? 'base64' : 'utf8');
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

function origin(headers: Headers, domainName: string | undefined): string {
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || 'https';
  const host = headers.get('host') ?? domainName ?? 'localhost';
  return `${proto}://${host}`;
}

const UPPER = /[A-Z]/;

function fromV2(event: LambdaFunctionURLEvent | APIGatewayProxyEventV2, signal?: AbortSignal): Request {
  // Payload 2.0 joins repeated headers with commas already and lower-cases names; cookies travel
  // separately. With lower-case names (always, from AWS) the record goes to Request as is, which builds
  // its Headers once; otherwise a Headers object merges names that differ only in case (last one wins).
  const src = event.headers ?? {};
  let plain: Record<string, string> | undefined = {};
  for (const k in src) {
    const v = src[k];
    if (v === undefined) continue;
    if (UPPER.test(k)) {
      plain = undefined;
      break;
    }
    plain[k] = v;
  }
  let headers: Record<string, string> | Headers;
  let get: (name: string) => string | undefined;
  if (plain) {
    if (event.cookies?.length) plain.cookie = event.cookies.join('; ');
    const p = plain;
    headers = p;
    get = (name) => p[name];
  } else {
    const h = new Headers();
    for (const [k, v] of Object.entries(src)) if (v !== undefined) h.set(k, v);
    if (event.cookies?.length) h.set('cookie', event.cookies.join('; '));
    headers = h;
    get = (name) => h.get(name) ?? undefined;
  }
  const method = event.requestContext.http.method.toUpperCase();
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const proto = get('x-forwarded-proto')?.split(',')[0]?.trim() || 'https';
  const host = get('host') ?? event.requestContext.domainName ?? 'localhost';
  const url = `${proto}://${host}${event.rawPath}${query}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (!BODYLESS.has(method)) {
    // A text body goes to Request as the string (Request encodes it as UTF-8 once, as Buffer.from(text,
    // 'utf8') does) rather than as bytes Request would copy again; only when a content type is named,
    // since a string body without one would get text/plain added.
    body =
      !event.isBase64Encoded && event.body && get('content-type') !== undefined
        ? event.body
        : decodeBody(event.body, event.isBase64Encoded);
  }
  return new Request(url, { method, headers, body, signal });
}

function fromRest(event: APIGatewayProxyEvent, signal?: AbortSignal): Request {
  const headers = new Headers();
  // Prefer multiValueHeaders so repeated headers are not collapsed to their last value.
  const multi = event.multiValueHeaders ?? {};
  for (const [k, vs] of Object.entries(multi)) for (const v of vs ?? []) headers.append(k, v);
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined && !headers.has(k)) headers.set(k, v);
  const params = new URLSearchParams();
  const mq = event.multiValueQueryStringParameters ?? {};
  for (const [k, vs] of Object.entries(mq)) for (const v of vs ?? []) params.append(k, v);
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) {
    if (v !== undefined && !params.has(k)) params.set(k, v);
  }
  const qs = params.toString();
  const method = event.httpMethod.toUpperCase();
  const url = `${origin(headers, event.requestContext.domainName)}${event.path}${qs ? `?${qs}` : ''}`;
  const body = BODYLESS.has(method) ? undefined : decodeBody(event.body, event.isBase64Encoded);
  return new Request(url, { method, headers, body, signal });
}

export function eventToRequest(event: HttpEvent, signal?: AbortSignal): Request {
  return isRestEvent(event) ? fromRest(event, signal) : fromV2(event, signal);
}

export function requestFacts(event: HttpEvent, fallbackRequestId: string): RequestFacts {
  if (isRestEvent(event)) {
    return {
      requestId: event.requestContext.requestId ?? fallbackRequestId,
      sourceIp: event.requestContext.identity?.sourceIp ?? '',
      userAgent: event.requestContext.identity?.userAgent ?? event.headers?.['User-Agent'] ?? undefined,
    };
  }
  return {
    requestId: event.requestContext.requestId ?? fallbackRequestId,
    sourceIp: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent,
  };
}
