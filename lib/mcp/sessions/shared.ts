// What the 2025 sessionful handler (post, get, delete) and the legacy SSE bridge share: finding the
// caller's own session, the answers for missing sessions and store failures, the JSON-RPC check of a
// POST body, and the bound of the work that runs after (or beyond) the response.

import type { AuthInfo, JSONRPCMessage, McpServerFactory } from '@modelcontextprotocol/server';
import { parseJSONRPCMessage, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import {
  type SessionRecord,
  type SessionStore,
  StoreItemTooLarge,
  type Stores,
  StoreUnavailableError,
} from '../../store/index.ts';
import { log, rateLimited } from '../../telemetry/index.ts';
import type { ToolDefinition } from '../../tools/index.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { INVALID_REQUEST, rpcErrorResponse, SERVICE_UNAVAILABLE } from '../jsonrpc.ts';
import type { PolicyGate } from '../policy-hook.ts';
import { principalOf } from '../server.ts';
import type { Handshake } from './exchange.ts';

/** What the session handlers serve with: a server factory and the shared stores. */
export interface SessionfulDeps {
  factory: McpServerFactory;
  stores: Stores;
  /** Cedar policies (legacy SSE): a tools/call deny that one more scope would turn is answered 403 before 202. */
  policy?: { gate: PolicyGate; tools: readonly ToolDefinition[] };
}

/** One HTTP request to a session handler, with what the endpoint already knows. */
export interface Exchange {
  request: Request;
  authInfo: AuthInfo;
  parsedBody?: unknown;
}

/** The stream of a 2025 session's notifications that belong to no request (GET /mcp tails it). */
export const STANDALONE_STREAM = 'standalone';

/** Channel on which a client's replies to server->client requests reach the instance that waits for them. */
export const repliesChannel = (sessionId: string) => `replies:${sessionId}`;

const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026');

/** Pure: the version a 2025-era server answers to an initialize asking for `requested`. */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : LEGACY_VERSIONS[0]!;
}

/** Pure predicate: the client understands an SSE event with an id and empty data (2025-11-25 and later). */
export function supportsPriming(version: string): boolean {
  return version >= '2025-11-25';
}

/** The same 404 for an unknown, expired or someone else's session. */
export function sessionNotFound(): Response {
  return rpcErrorResponse(404, -32001, 'Session not found');
}

/** One line per minute for a store outage, however many requests it fails. */
const storeDown = rateLimited(log, { intervalMs: 60_000 });

/** 503 with Retry-After: the store cannot be reached. */
export function unavailable(err: unknown): Response {
  storeDown.error('sessions', 'session store unavailable', { error: err });
  return rpcErrorResponse(503, SERVICE_UNAVAILABLE, 'Service Unavailable: the session store cannot be reached', {
    headers: { 'retry-after': '1' },
  });
}

/**
 * The answer for a store failure: 503 when the store cannot be reached, 413 when a message is larger
 * than the store holds. Anything else is a bug, not an outage: it is rethrown (lib/http answers 500).
 */
export function storeFailure(err: unknown): Response {
  if (err instanceof StoreUnavailableError) return unavailable(err);
  if (err instanceof StoreItemTooLarge) {
    return rpcErrorResponse(413, INVALID_REQUEST, `Message too large: the limit is ${err.limit} bytes`);
  }
  throw err;
}

/** The session with this id, if it exists and belongs to the caller (another subject's looks absent). */
export async function owned(
  sessions: SessionStore,
  id: string | null,
  authInfo: AuthInfo,
): Promise<SessionRecord | undefined> {
  if (!id) return undefined;
  const record = await sessions.get(id);
  return record && record.subject === principalOf(authInfo).subject ? record : undefined;
}

/** The 2025 session the request names (Mcp-Session-Id), or the answer when there is none to serve. */
export async function loadSession(
  sessions: SessionStore,
  request: Request,
  authInfo: AuthInfo,
): Promise<SessionRecord | Response> {
  const id = request.headers.get('mcp-session-id');
  if (!id) return rpcErrorResponse(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header is required');
  const record = await owned(sessions, id, authInfo);
  if (!record) return sessionNotFound();
  const header = request.headers.get('mcp-protocol-version');
  if (header !== null && !LEGACY_VERSIONS.includes(header)) {
    return rpcErrorResponse(400, INVALID_REQUEST, `Bad Request: Unsupported protocol version: ${header}`);
  }
  return record;
}

/** The recorded initialize of a session, to replay on a fresh server; undefined before the client sent it. */
export function handshakeOf(record: SessionRecord): Handshake | undefined {
  if (!record.initialized) return undefined;
  return {
    protocolVersion: record.protocolVersion,
    capabilities: record.clientCapabilities,
    clientInfo: record.clientInfo,
    logLevel: record.logLevel,
  };
}

type Sink = (message: JSONRPCMessage) => void | Promise<void>;

/**
 * Wraps a reply sink so that a `logging/setLevel` of this exchange that succeeded is recorded on the session
 * before the client sees the answer: every later exchange, on any instance, replays it (openSessionServer).
 * A store failure here only loses the level (logged), never the answer.
 */
export function recordingLogLevel(
  sessions: SessionStore,
  sessionId: string,
  requests: readonly JSONRPCMessage[],
  sink: Sink,
): Sink {
  const levels = new Map<string, string>();
  for (const r of requests) {
    const m = r as { id?: unknown; method?: unknown; params?: { level?: unknown } };
    if (m.method === 'logging/setLevel' && m.id !== undefined && typeof m.params?.level === 'string') {
      levels.set(JSON.stringify(m.id), m.params.level);
    }
  }
  if (levels.size === 0) return sink;
  return async (m) => {
    const level = 'id' in m && 'result' in m ? levels.get(JSON.stringify(m.id)) : undefined;
    if (level !== undefined) {
      await sessions.update(sessionId, { logLevel: level }).catch((err: unknown) => {
        log.warn('log level not stored', { error: err });
      });
    }
    await sink(m);
  };
}

/** Pure: why a POST body is not a JSON-RPC 2.0 message or batch we can serve, or undefined when it is. */
export function invalidBody(body: unknown): string | undefined {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) return 'an empty batch';
  const ids = new Set<string>();
  for (const m of list) {
    try {
      parseJSONRPCMessage(m);
    } catch {
      return 'not a JSON-RPC 2.0 message';
    }
    const { id, method } = m as { id?: string | number; method?: unknown };
    if (id === undefined || method === undefined) continue;
    // Answers are routed by id: two requests with one id could never both be answered.
    const key = `${typeof id}:${id}`;
    if (ids.has(key)) return 'a request id used twice in one batch';
    ids.add(key);
  }
  return undefined;
}

/**
 * The JSON-RPC check every POST passes before anything runs: a message the server could not answer
 * (no valid id, method or version) would otherwise leave its work waiting for a reply that never comes.
 * Answered at once with 400 and a JSON-RPC error without an id, as the Streamable HTTP spec and the
 * reference SSE transport do.
 */
export function refuseInvalid(body: unknown): Response | undefined {
  const why = invalidBody(body);
  return why === undefined ? undefined : rpcErrorResponse(400, INVALID_REQUEST, `Invalid Request: ${why}`);
}

/** Work after (or beyond) the response stops this long before the invocation deadline. */
const WORK_MARGIN_MS = 1_000;

export interface WorkBound {
  /** Aborts WORK_MARGIN_MS before the invocation deadline. */
  signal: AbortSignal;
  /** The work is over: clears the timer, so nothing of it outlives the work. */
  release(): void;
}

/** The bound of one request's background work, derived from the invocation deadline. */
export function workBound(ctx: InvocationContext): WorkBound {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('the invocation deadline is near', 'TimeoutError')),
    Math.max(0, ctx.deadline - Date.now() - WORK_MARGIN_MS),
  );
  timer.unref?.();
  return { signal: controller.signal, release: () => clearTimeout(timer) };
}
