// What lib/http needs from each front (Function URL / HTTP API payload 2.0, API Gateway REST payload
// 1.0, ALB): one processor per event shape, picked once per event (processorFor in lambda.ts), as
// Hono's aws-lambda adapter does with its EventV2Processor / EventV1Processor / ALBProcessor.
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, LambdaFunctionURLEvent } from 'aws-lambda';
import type { StaticAnswer } from '../web-handler.ts';
import type { EventParts } from './request.ts';

/** Every event shape lib/http accepts. */
export type HttpEvent = LambdaFunctionURLEvent | APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;

/** What the invocation context says about the caller, as this front reports it. */
export interface RequestFacts {
  /** The front's request id; undefined when it has none (ALB): the Lambda request id stands in. */
  requestId: string | undefined;
  sourceIp: string;
  userAgent: string | undefined;
}

export interface EventProcessor<E extends HttpEvent, R> {
  /** Pure predicate: the event has this front's shape. */
  accepts(event: HttpEvent): event is E;
  /** What the Request (buildRequest) and the RequestHead (headOf) are made of; the body is read only when needed. */
  parts(event: E): EventParts;
  /** The web Request for the event; never throws (a malformed part is reported by defectOf, request.ts). */
  toRequest(event: E, signal?: AbortSignal): Request;
  /** The buffered result this front expects, for when the function does not stream. */
  toResult(response: Response, event: E): Promise<R>;
  /** The buffered result for a static answer: what toResult gives for the equal Response. */
  staticResult(answer: StaticAnswer, event: E): R;
  facts(event: E): RequestFacts;
}

/** Methods whose Request may carry no body, whatever the event says. */
export const BODYLESS = new Set(['GET', 'HEAD']);

/** Pure predicate: an Application Load Balancer event (its request context names the target group). */
export function isAlbEvent(event: HttpEvent): event is ALBEvent {
  const ctx = (event as ALBEvent).requestContext as Partial<ALBEvent['requestContext']> | undefined;
  return typeof ctx === 'object' && ctx !== null && ctx.elb !== undefined;
}
