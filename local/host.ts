// The local Function URL host: serves every function of template.yaml on one port, the way Lambda
// Function URLs would (payload 2.0 events, the awslambda global, the streaming prelude, per-function
// timeouts, request ids), from the same esbuild bundles SAM deploys. Responses stream to the socket.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { isTextualContentType } from '../lib/http/index.ts';
import { createPreludeParser, installAwsLambdaGlobal, isStreamingHandler, RuntimeResponseStream } from './runtime.ts';
import { type FunctionSpec, loadTemplate, matchRoute } from './template.ts';

/** Function URLs refuse request payloads above 6 MB. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

export interface HostOptions {
  port?: number;
  hostname?: string;
  root: string;
  /** Directory holding <fn>/index.mjs bundles (default <root>/dist). */
  distDir?: string;
  log?: (line: string) => void;
  /** Called with the bound port before the bundles load (their config is read at import, e.g. MCP_PUBLIC_URL). */
  onListening?: (port: number) => void;
  /**
   * Serve only these functions (logical ids such as McpFunction, or bundle names such as mcp), the way
   * Lambda runs one function per process; the others' routes answer 404. Default: every function.
   */
  functions?: readonly string[];
}

/** Pure: the functions a FUNCTIONS list selects; throws naming the choices when an entry matches none. */
export function selectFunctions(all: readonly FunctionSpec[], wanted: readonly string[] | undefined): FunctionSpec[] {
  const names = (wanted ?? []).map((w) => w.trim()).filter(Boolean);
  if (names.length === 0) return [...all];
  for (const n of names) {
    if (!all.some((f) => f.logicalId === n || f.name === n)) {
      const choices = all.map((f) => `${f.logicalId} (${f.name})`).join(', ');
      throw new Error(`FUNCTIONS: no function named "${n}" in template.yaml; choose from ${choices}`);
    }
  }
  return all.filter((f) => names.includes(f.logicalId) || names.includes(f.name));
}

/** Pure: FUNCTIONS=McpFunction,PrmFunction as a list (undefined or blank: every function). */
export function parseFunctionsVar(raw: string | undefined): string[] | undefined {
  const list = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

export interface RunningHost {
  url: string;
  port: number;
  functions: FunctionSpec[];
  /** Re-imports the bundles (after a rebuild in --watch mode). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

type LoadedHandler = (event: unknown, a: unknown, b?: unknown) => unknown;

function clientIp(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

// Targets that WHATWG URL parsing leaves unchanged: no dot segments, no leading '//' (read as an
// authority), no characters it would percent-encode or rewrite (space, quotes, backslash, '#',
// non-ASCII). Anything else goes through URL.
const PLAIN_PATH = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/%.]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * Path and query of a request target, as `new URL(target, base)` gives them, without a URL per request;
 * undefined when the target is no URL at all (`//[`, `http://[x/mcp`): the caller answers 400.
 */
export function splitTarget(target: string | undefined): { path: string; query: string } | undefined {
  const t = target || '/';
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  const query = q < 0 ? '' : t.slice(q + 1);
  if (PLAIN_PATH.test(path) && !path.startsWith('//') && !DOT_SEGMENT.test(path) && PLAIN_QUERY.test(query)) {
    return { path, query };
  }
  if (!URL.canParse(t, 'http://localhost')) return undefined;
  const u = new URL(t, 'http://localhost');
  return { path: u.pathname, query: u.search.slice(1) };
}

/**
 * Payload 2.0 queryStringParameters: values decoded, a repeated name's values joined with commas (as a
 * Function URL does), undefined for an empty query.
 */
export function queryParameters(query: string): Record<string, string> | undefined {
  if (!query) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = Object.hasOwn(out, k) ? `${out[k]},${v}` : v;
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
let lastSecond = -1;
let lastTime = '';

/** requestContext.time as Lambda writes it (`01/Dec/2026:13:05:09 +0000`); the string changes once a second. */
export function requestTime(epochMs: number): string {
  const sec = Math.floor(epochMs / 1000);
  if (sec !== lastSecond) {
    const d = new Date(sec * 1000);
    lastTime =
      `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
    lastSecond = sec;
  }
  return lastTime;
}

/** An X-Ray trace header as Lambda adds one: Root=1-<epoch seconds, 8 hex>-<24 random hex>. */
function traceHeader(epochMs: number): string {
  const u = randomUUID();
  // 24 hex digits of the UUID (its dashes sit at 8, 13, 18, 23).
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${u.slice(0, 8)}${u.slice(9, 13)}${u.slice(14, 18)}${u.slice(19, 23)}${u.slice(24, 28)}`;
}

export function toFunctionUrlEvent(
  req: http.IncomingMessage,
  body: Buffer,
  requestId: string,
  port: number,
  target: { path: string; query: string },
): LambdaFunctionURLEvent {
  const { path: rawPath, query } = target;
  // Header names lower-cased, repeated headers joined with commas, cookies split out: payload 2.0.
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    if (k === 'cookie') {
      cookies ??= [];
      for (const c of v.split(/;\s*/)) if (c) cookies.push(c);
    } else if (Object.hasOwn(headers, k)) headers[k] = `${headers[k]},${v}`;
    // A header named __proto__ is data like any other (plain assignment would set the prototype).
    else if (k === '__proto__') Object.defineProperty(headers, k, { value: v, enumerable: true, writable: true });
    else headers[k] = v;
  }
  const ip = clientIp(req);
  const now = Date.now();
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(port);
  headers['x-amzn-trace-id'] ??= traceHeader(now);
  const textual = isTextualContentType(headers['content-type'] ?? null);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: query,
    cookies,
    headers,
    queryStringParameters: queryParameters(query),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? `127.0.0.1:${port}`,
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: ip,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
    body: body.length ? body.toString(textual ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  } as LambdaFunctionURLEvent;
}

function lambdaContext(fn: FunctionSpec, requestId: string, deadline: number): Context {
  return {
    awsRequestId: requestId,
    functionName: fn.logicalId,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${fn.logicalId}`,
    memoryLimitInMB: String(fn.memoryMb),
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

type BodyRead = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

const EMPTY = Buffer.alloc(0);

/** The whole request body; a client that goes away mid-body is an outcome, never a rejection (it would kill the host). */
function readBody(req: http.IncomingMessage): Promise<BodyRead> {
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    let done = false;
    const settle = (r: BodyRead) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        // Stop reading: the rest of the body stays unread, and the 413 closes the connection.
        req.pause();
        settle({ ok: false, reason: 'too-large' });
      } else if (first === undefined) first = chunk;
      else if (more === undefined) more = [first, chunk];
      else more.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle({ ok: true, body: more ? Buffer.concat(more, size) : (first ?? EMPTY) }));
    // ECONNRESET / "aborted": the client left before the body was complete. Lambda never sees such a request.
    req.once('error', () => settle({ ok: false, reason: 'aborted' }));
    req.once('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}

/**
 * The socket writes of one streamed response, one per event-loop turn: the first write of a turn corks the
 * socket and the end of the turn (setImmediate) uncorks it, so a head, the chunks the function writes in the
 * same turn and the end of the response leave in one write, while a chunk written in a later turn still leaves
 * at the end of that turn, as the function writes it. The end of the response uncorks at once.
 */
class TurnWriter {
  private corked = false;
  private headPending = false;
  private readonly release = () => this.flush();

  private readonly res: http.ServerResponse;
  private readonly socket: http.ServerResponse['socket'];

  constructor(res: http.ServerResponse) {
    this.res = res;
    this.socket = res.socket;
  }

  private hold(): void {
    if (this.corked || !this.socket) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(this.release);
  }

  head(statusCode: number, headers: http.OutgoingHttpHeaders): void {
    this.hold();
    this.res.writeHead(statusCode, headers);
    // writeHead only stores the head: it leaves with the first body write, or alone at the end of the turn.
    this.headPending = true;
  }

  body(chunk: Buffer): void {
    this.hold();
    this.headPending = false;
    this.res.write(chunk);
  }

  end(): void {
    this.headPending = false;
    if (!this.res.writableEnded) this.res.end();
    this.flush();
  }

  private flush(): void {
    if (this.headPending) {
      this.headPending = false;
      if (!this.res.destroyed && !this.res.writableEnded) this.res.flushHeaders();
    }
    if (!this.corked) return;
    this.corked = false;
    this.socket!.uncork();
  }
}

async function invokeStreaming(
  handler: LoadedHandler,
  event: LambdaFunctionURLEvent,
  context: Context,
  res: http.ServerResponse,
  timeoutMs: number,
): Promise<void> {
  let preludeSeen = false;
  const out = new TurnWriter(res);
  const parse = createPreludeParser(
    (p) => {
      preludeSeen = true;
      const headers: http.OutgoingHttpHeaders = p.headers;
      if (p.cookies.length) headers['set-cookie'] = p.cookies;
      out.head(p.statusCode, headers);
    },
    (chunk) => out.body(chunk),
  );
  const stream = new RuntimeResponseStream(parse);
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  // As on Lambda, the client's response is complete when the function ends its response stream; work the
  // function does after that (waitUntil: a legacy message, the audit flush) runs on without holding it.
  stream.once('finish', () => {
    if (preludeSeen) out.end();
    settle();
  });
  stream.once('close', settle);
  // The client went away: the runtime's stream closes, which the adapter turns into an abort.
  res.once('close', () => {
    if (!stream.writableFinished) stream.destroy();
  });
  const timer = setTimeout(() => {
    sendError(res, 502, `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    out.end();
    stream.destroy();
  }, timeoutMs);
  try {
    await handler(event, stream, context);
    if (!stream.writableEnded && !stream.destroyed) stream.end();
    await finished;
    if (!preludeSeen && !res.headersSent) {
      sendError(res, 502, 'The function ended its response stream without writing (Lambda sends a broken response)');
    } else if (!res.writableEnded) res.end();
  } catch (err) {
    sendError(res, 502, `Function error: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    out.end();
  }
}

async function invokeBuffered(
  handler: LoadedHandler,
  event: LambdaFunctionURLEvent,
  context: Context,
  res: http.ServerResponse,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
      timeoutMs,
    );
  });
  try {
    const result = (await Promise.race([handler(event, context), timeout])) as {
      statusCode?: number;
      headers?: Record<string, string>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: http.OutgoingHttpHeaders = { ...result.headers };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
  } catch (err) {
    sendError(res, 502, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  installAwsLambdaGlobal();
  const functions = selectFunctions(loadTemplate(path.join(opts.root, 'template.yaml')), opts.functions);
  const distDir = opts.distDir ?? path.join(opts.root, 'dist');
  const handlers = new Map<string, LoadedHandler>();
  let generation = 0;
  const load = async () => {
    generation++;
    for (const fn of functions) {
      const file = path.join(distDir, fn.name, 'index.mjs');
      const mod = (await import(`${pathToFileURL(file).href}?v=${generation}`)) as Record<string, unknown>;
      const h = mod[fn.exportName];
      if (typeof h !== 'function') throw new Error(`${file} does not export a function named ${fn.exportName}`);
      handlers.set(fn.logicalId, h as LoadedHandler);
    }
  };
  // LOCAL_FUNCTION_TIMEOUT_S caps every function's timeout (tests: a task outlives a short /mcp timeout).
  const cap = Number(process.env.LOCAL_FUNCTION_TIMEOUT_S);
  let port = opts.port ?? 3000;
  let loaded: Promise<void> | undefined;
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const target = splitTarget(req.url);
    if (!target) {
      sendError(res, 400, 'Invalid request target');
      return;
    }
    await loaded;
    const fn = matchRoute(functions, req.method ?? 'GET', target.path);
    if (!fn) {
      sendError(res, 404, `No function serves ${req.method} ${target.path}`);
      return;
    }
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too-large') {
        // The unread rest of the body would be parsed as the next request: this connection ends with the answer.
        res.shouldKeepAlive = false;
        sendError(res, 413, `Request must be smaller than ${MAX_REQUEST_BYTES} bytes`);
      } else res.destroy();
      return;
    }
    const requestId = randomUUID();
    const timeoutMs = (cap > 0 ? Math.min(cap, fn.timeoutSec) : fn.timeoutSec) * 1000;
    const event = toFunctionUrlEvent(req, read.body, requestId, port, target);
    const context = lambdaContext(fn, requestId, Date.now() + timeoutMs);
    const handler = handlers.get(fn.logicalId)!;
    opts.log?.(`${req.method} ${target.path} -> ${fn.logicalId} (${requestId})`);
    if (isStreamingHandler(handler)) await invokeStreaming(handler, event, context, res, timeoutMs);
    else await invokeBuffered(handler, event, context, res, timeoutMs);
  };
  // Like a Function URL, the host outlives any one request: whatever escapes serve() ends that request
  // (502, as Lambda answers a failed invocation), never the process.
  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: Error & { code?: string }) => {
      process.stderr.write(`[host] request failed: ${err.code ?? err.name}\n`);
      if (res.headersSent) res.destroy();
      else sendError(res, 502, 'The local host failed to serve this request');
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.hostname ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  opts.onListening?.(port);
  loaded = load();
  try {
    await loaded;
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    url: `http://${opts.hostname ?? '127.0.0.1'}:${port}`,
    port,
    functions,
    reload: load,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
