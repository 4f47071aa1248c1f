// Payload 1.0: API Gateway REST APIs (streamed since Nov 2025, or buffered, as `sam local start-api`
// serves it) and HTTP APIs set to 1.0. Header names keep the client's case; query values arrive
// decoded; multi-value maps keep repeats that the single-value maps collapse to the last one.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { decodeBody, encodeBody, encodeText } from './body.ts';
import { BODYLESS, type EventProcessor, type HttpEvent, isAlbEvent } from './processor.ts';
import { requestOf } from './request.ts';
import { type Prelude, preludeOf } from './stream.ts';

export interface V1Result {
  statusCode: number;
  multiValueHeaders: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

type Multi = Record<string, string[] | undefined> | null | undefined;
type Single = Record<string, string | undefined> | null | undefined;

/** Multi-value entries first (repeats kept), then single-value ones the multi map lacks. */
export function mergedEntries(multi: Multi, single: Single): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [k, vs] of Object.entries(multi ?? {})) {
    for (const v of vs ?? []) out.push([k, v]);
    seen.add(k.toLowerCase());
  }
  for (const [k, v] of Object.entries(single ?? {}))
    if (v !== undefined && !seen.has(k.toLowerCase())) out.push([k, v]);
  return out;
}

/**
 * Headers from an event's header maps, names lower-cased and repeats comma-joined. A record rather than
 * a Headers object, so that a name or value Headers refuses reaches request.ts (which reports it)
 * instead of throwing here; without a prototype, so a header named `__proto__` or `constructor` is
 * just a header.
 */
export function headersFrom(multi: Multi, single: Single): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of mergedEntries(multi, single)) {
    const name = k.toLowerCase();
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${v}` : v;
  }
  return out;
}

/** Payload 1.0 has no cookies field: Set-Cookie goes back as a multi-value header. */
function v1Result(prelude: Prelude, body: { body: string; isBase64Encoded: boolean }): V1Result {
  const { statusCode, headers, cookies } = prelude;
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) multiValueHeaders[k] = [v];
  if (cookies.length) multiValueHeaders['set-cookie'] = cookies;
  return { statusCode, multiValueHeaders, ...body };
}

export const v1Processor: EventProcessor<APIGatewayProxyEvent, V1Result> = {
  accepts(event: HttpEvent): event is APIGatewayProxyEvent {
    return typeof (event as APIGatewayProxyEvent).httpMethod === 'string' && !isAlbEvent(event);
  },

  parts(event) {
    const headers = headersFrom(event.multiValueHeaders, event.headers);
    const entries = mergedEntries(event.multiValueQueryStringParameters, event.queryStringParameters);
    const method = event.httpMethod.toUpperCase();
    return {
      method,
      proto: headers['x-forwarded-proto'],
      host: headers.host ?? event.requestContext?.domainName,
      path: event.path,
      query: entries.length ? new URLSearchParams(entries).toString() : '',
      headers,
      body: () => (BODYLESS.has(method) ? undefined : decodeBody(event.body, event.isBase64Encoded)),
    };
  },

  toRequest(event, signal) {
    return requestOf(v1Processor.parts(event), signal);
  },

  async toResult(response) {
    return v1Result(preludeOf(response), await encodeBody(response));
  },

  staticResult(answer) {
    return v1Result({ statusCode: answer.status, headers: { ...answer.headers }, cookies: [] }, encodeText(answer));
  },

  facts(event) {
    return {
      requestId: event.requestContext?.requestId,
      sourceIp: event.requestContext?.identity?.sourceIp ?? '',
      userAgent: event.requestContext?.identity?.userAgent ?? headersFrom(undefined, event.headers)['user-agent'],
    };
  },
};
