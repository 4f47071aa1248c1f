// The `awslambda` global as the Node.js Lambda runtime (aws-lambda-nodejs-runtime-interface-client)
// provides it: streamifyResponse marks a handler as streaming, and HttpResponseStream.from makes the
// first write emit the JSON prelude followed by 8 NUL bytes. This stands in for AWS itself, which
// cannot run here; the framing below follows the runtime client byte for byte.
import { Writable } from 'node:stream';

export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const STREAM_RESPONSE = 'response';
export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
export const DELIMITER_LEN = 8;

type WriteFn = (chunk: string | Uint8Array) => void;

/** The writable handed to a streaming handler: the runtime's ResponseStream surface. */
export class RuntimeResponseStream extends Writable {
  contentType = 'application/octet-stream';
  _onBeforeFirstWrite: ((write: WriteFn) => void) | undefined;
  private firstWriteDone = false;
  private readonly sink: (chunk: Buffer) => void;

  constructor(sink: (chunk: Buffer) => void) {
    super({ highWaterMark: 16 * 1024 });
    this.sink = sink;
  }

  setContentType(contentType: string): void {
    if (this.firstWriteDone) throw new Error('setContentType must be called before the first write');
    this.contentType = contentType;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.firstWriteDone) {
      this.firstWriteDone = true;
      this._onBeforeFirstWrite?.((c) => this.sink(Buffer.from(c)));
    }
    this.sink(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // A stream ended without any write never produced a prelude: Lambda answers that badly, and so do we.
    callback();
  }
}

const HttpResponseStream = {
  from(underlying: RuntimeResponseStream, prelude: Record<string, unknown>): RuntimeResponseStream {
    underlying.setContentType(PRELUDE_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    underlying._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlying;
  },
};

function streamifyResponse<T extends (...args: never[]) => unknown>(handler: T): T {
  Object.defineProperty(handler, HANDLER_STREAMING, { value: STREAM_RESPONSE, enumerable: false });
  return handler;
}

/** Installs globalThis.awslambda (idempotent), as the runtime does before loading the handler module. */
export function installAwsLambdaGlobal(): void {
  // Fill in an existing object too: the AWS SDK creates an empty `globalThis.awslambda` of its own when it
  // loads (as happens before the bundles load with STORE=dynamodb).
  const g = globalThis as unknown as { awslambda?: Record<string, unknown> };
  g.awslambda ??= {};
  g.awslambda.streamifyResponse ??= streamifyResponse;
  g.awslambda.HttpResponseStream ??= HttpResponseStream;
}

export function isStreamingHandler(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as never)[HANDLER_STREAMING] === STREAM_RESPONSE;
}

export interface ParsedPrelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

const DELIMITER = Buffer.alloc(DELIMITER_LEN);
const EMPTY = Buffer.alloc(0);

/**
 * What a Function URL does with a streamed invocation: reads the JSON prelude up to the 8-NUL
 * delimiter, then passes every later byte straight through. Calls onPrelude once, onBody per chunk.
 */
export function createPreludeParser(onPrelude: (p: ParsedPrelude) => void, onBody: (chunk: Buffer) => void) {
  let head: Buffer | undefined = EMPTY;
  const done = (json: Buffer, rest: Buffer | undefined) => {
    const raw = JSON.parse(json.toString('utf8')) as Partial<ParsedPrelude>;
    head = undefined;
    onPrelude({ statusCode: raw.statusCode ?? 200, headers: raw.headers ?? {}, cookies: raw.cookies ?? [] });
    if (rest?.length) onBody(rest);
  };
  return (chunk: Buffer) => {
    if (head === undefined) {
      if (chunk.length) onBody(chunk);
      return;
    }
    // The runtime's own framing: the JSON in one write, the 8 NULs in the next. The JSON held so far has no
    // delimiter and does not end in NUL, so the delimiter starts right where this chunk does.
    if (chunk.length === DELIMITER_LEN && head.length > 0 && head[head.length - 1] !== 0 && chunk.equals(DELIMITER)) {
      done(head, undefined);
      return;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const at = head.indexOf(DELIMITER);
    if (at < 0) return;
    done(head.subarray(0, at), head.subarray(at + DELIMITER_LEN));
  };
}
