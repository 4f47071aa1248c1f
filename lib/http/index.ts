// lib/http: Lambda HTTP events -> web Request, web Response -> Lambda (streamed or buffered). The only
// room that knows Lambda event and context shapes; everything behind it sees a WebHandler
// (lib/web-handler.ts), and may answer early from the request's head (WebApp.early: no Request, no Response).
export type { AlbResult } from './alb.ts';
export { albProcessor } from './alb.ts';
export { decodeBody, encodeBody, encodeText, isTextualContentType } from './body.ts';
export { headOf } from './head.ts';
export { bufferedHandle, lambdaHandler, processorFor, streamHandle } from './lambda.ts';
export type { EventProcessor, HttpEvent, RequestFacts } from './processor.ts';
export { isAlbEvent } from './processor.ts';
export {
  buildRequest,
  defectOf,
  type EventParts,
  PLACEHOLDER_ORIGIN,
  type RequestParts,
  requestOf,
} from './request.ts';
export { type Prelude, pipeResponse, preludeOf, type StreamStats, writeAnswer } from './stream.ts';
export type { V1Result } from './v1.ts';
export { v1Processor } from './v1.ts';
export type { V2Event, V2Result } from './v2.ts';
export { v2Processor } from './v2.ts';
