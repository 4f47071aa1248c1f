// Application Load Balancer events. ALB cannot stream: functions behind it run with RESPONSE_MODE=buffered.
// Query values arrive exactly as the client sent them (still percent-encoded), so they are joined back
// as they are. With multi-value headers turned on for the target group, the event carries only the
// multi-value maps and the result must answer with multiValueHeaders as well.
import { STATUS_CODES } from 'node:http';
import type { ALBEvent } from 'aws-lambda';
import { decodeBody, encodeBody, encodeText } from './body.ts';
import { BODYLESS, type EventProcessor, type HttpEvent, isAlbEvent } from './processor.ts';
import { requestOf } from './request.ts';
import { type Prelude, preludeOf } from './stream.ts';
import { headersFrom, mergedEntries } from './v1.ts';

export interface AlbResult {
  statusCode: number;
  statusDescription: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/** The last X-Forwarded-For entry: the one the load balancer added (earlier ones are the client's word). */
function sourceIpOf(headers: Record<string, string>): string {
  return headers['x-forwarded-for']?.split(',').at(-1)?.trim() ?? '';
}

/** The result in the shape the target group expects: multi-value headers when the event came with them. */
function albResult(prelude: Prelude, body: { body: string; isBase64Encoded: boolean }, event: ALBEvent): AlbResult {
  const { statusCode, headers, cookies } = prelude;
  const statusDescription = `${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trim();
  if (event.multiValueHeaders) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(headers)) multiValueHeaders[k] = [v];
    if (cookies.length) multiValueHeaders['set-cookie'] = cookies;
    return { statusCode, statusDescription, multiValueHeaders, ...body };
  }
  // Single-value headers can carry one Set-Cookie only; the apps here set none.
  if (cookies.length) headers['set-cookie'] = cookies.at(-1)!;
  return { statusCode, statusDescription, headers, ...body };
}

export const albProcessor: EventProcessor<ALBEvent, AlbResult> = {
  accepts(event: HttpEvent): event is ALBEvent {
    return isAlbEvent(event);
  },

  parts(event) {
    const headers = headersFrom(event.multiValueHeaders, event.headers);
    const query = mergedEntries(event.multiValueQueryStringParameters, event.queryStringParameters)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const method = event.httpMethod.toUpperCase();
    return {
      method,
      proto: headers['x-forwarded-proto'],
      host: headers.host,
      path: event.path,
      query,
      headers,
      body: () => (BODYLESS.has(method) ? undefined : decodeBody(event.body, event.isBase64Encoded)),
    };
  },

  toRequest(event, signal) {
    return requestOf(albProcessor.parts(event), signal);
  },

  async toResult(response, event) {
    return albResult(preludeOf(response), await encodeBody(response), event);
  },

  staticResult(answer, event) {
    return albResult(
      { statusCode: answer.status, headers: { ...answer.headers }, cookies: [] },
      encodeText(answer),
      event,
    );
  },

  facts(event) {
    const headers = headersFrom(event.multiValueHeaders, event.headers);
    return { requestId: undefined, sourceIp: sourceIpOf(headers), userAgent: headers['user-agent'] };
  },
};
