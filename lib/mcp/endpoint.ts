// The /mcp web handler: the gate (guards, authentication), per-tool scope step-up, then era routing.
// 2026-07-28 traffic goes to the SDK's createMcpHandler; 2025-era traffic (the SDK's own
// isLegacyRequest decides) goes to the legacy handler: the sessionful wiring when one is given,
// else the SDK's stateless fallback.

import type { AuthInfo, LegacyHttpHandler, McpServerFactory, ServerEventBus } from '@modelcontextprotocol/server';
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  legacyStatelessFallback,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { missingScopes } from '../auth/index.ts';
import type { Config } from '../config.ts';
import { type AuthOutcome, readJsonBody } from '../gate/index.ts';
import { log } from '../telemetry/index.ts';
import type { InvocationContext } from '../web-handler.ts';

export type { AuthOutcome } from '../gate/index.ts';

import { findTool, type ToolDefinition } from '../tools/index.ts';
import { auditRpc } from './audit-hooks.ts';
import { noteCalledTool } from './called-tool.ts';
import { messagesOf, toolCallName } from './jsonrpc.ts';
import { loggableHandlerError, nonAsciiParamHeader, nonAsciiParamRejection } from './param-headers.ts';
import { type PolicyGate, stepUpScopes } from './policy-hook.ts';
import { createServerFactory, type ServerExtras } from './server.ts';
import { withoutStackTraces } from './stackless.ts';

export type McpCore = (request: Request, authInfo: AuthInfo, ctx: InvocationContext) => Promise<Response>;

export interface McpEndpointDeps {
  tools: readonly ToolDefinition[];
  /** Registered on every fresh server after the tools (e.g. the conformance fixtures). */
  extras?: ServerExtras;
  /** Verifies the request's bearer token; the answer for a refused request is built by the auth layer. */
  authenticate(request: Request): Promise<AuthOutcome>;
  /** The 403 step-up challenge naming the scopes a tool call needs. */
  insufficientScope(scopes: string[]): Response;
  /** Cedar policies (lib/policy): a deny that one more scope would turn is answered 403 here (step-up). */
  policy?: PolicyGate;
  /** The server factory; by default one built from `tools`. */
  factory?: McpServerFactory;
  /** The change-event bus for subscriptions/listen; by default an in-process one. */
  bus?: ServerEventBus;
  /** Tasks extension: the -32021 answer for a tools/call that must run as a task (2026-07-28), if any. */
  taskGate?: (body: unknown) => Response | undefined;
  /** Tasks extension: merges the caller's task status notifications into a subscriptions/listen stream. */
  taskListen?: (response: Response, authInfo: AuthInfo, subscriptionId: string | number) => Response;
  /** Sessionful 2025-era wiring; when absent 2025 traffic is served statelessly (GET/DELETE get 405). */
  legacy?: (
    request: Request,
    opts: { authInfo: AuthInfo; parsedBody?: unknown },
    ctx: InvocationContext,
  ) => Promise<Response>;
}

/** Scopes missing for any tools/call in the body (batches included), or an empty list. */
export function missingToolScopes(
  body: unknown,
  tools: readonly ToolDefinition[],
  scopes: readonly string[],
): string[] {
  const missing = new Set<string>();
  for (const message of messagesOf(body)) {
    const tool = findTool(tools, toolCallName(message));
    if (tool) for (const s of missingScopes(scopes, tool.requiredScopes)) missing.add(s);
  }
  return [...missing];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Pure predicate: the parsed body is one JSON-RPC request or notification (not `initialize`, not a
 * response) whose params carry the per-request envelope claim. isLegacyRequest documents such a request
 * as never legacy (the modern path answers it, its ladder rejections included), so the era is known
 * without the SDK's classification, which createMcpHandler runs again anyway (issue #18: one of two).
 */
export function carriesEnvelopeClaim(body: unknown): boolean {
  if (!isObject(body) || typeof body.method !== 'string' || body.method === 'initialize') return false;
  if ('result' in body || 'error' in body) return false;
  const params = body.params;
  return isObject(params) && isObject(params._meta) && PROTOCOL_VERSION_META_KEY in params._meta;
}

/**
 * Pure predicate: the synchronous part of createMcpHandler's fetch (its content-type check, then the
 * classification of the parsed body, whose failing zod `safeParse` attempts each build a ZodError with a
 * stack: ~4 µs a tools/call, docs/sdk-upstream.md) may run with Error.stackTraceLimit 0. It reports no error
 * there unless the content type is refused (415, logged through onerror), which this rules out with the SDK's
 * own predicate; its other refusals are reported after an await, with their stacks. Tool code never runs there.
 */
export function classifiesQuietly(request: Request): boolean {
  return request.method !== 'POST' || isJsonContentType(request.headers.get('content-type'));
}

/**
 * Everything /mcp does after the gate: body limits and parsing, per-tool scope step-up (403), and era
 * routing. It loads the MCP SDK; the gate (lib/gate) does not.
 */
export function createMcpCore(cfg: Config, deps: Omit<McpEndpointDeps, 'authenticate'>): McpCore {
  const factory =
    deps.factory ??
    createServerFactory(deps.tools, deps.extras, { requestStateKeys: cfg.requestState.keys, policy: deps.policy });
  const onerror = (error: Error) => log.warn('mcp handler error', { error: loggableHandlerError(error) });
  const modern = createMcpHandler(factory, {
    legacy: 'reject',
    onerror,
    maxRequestBodySize: cfg.maxBodyBytes,
    keepAliveMs: cfg.store.keepAliveMs,
    bus: deps.bus,
  });
  const stateless: LegacyHttpHandler = legacyStatelessFallback(factory, onerror, {
    maxRequestBodySize: cfg.maxBodyBytes,
  });

  const core: McpCore = async (request, authInfo, ctx) => {
    let parsedBody: unknown;
    if (request.method === 'POST') {
      const read = await readJsonBody(request, cfg.maxBodyBytes, undefined, ctx.bodyText);
      if (!read.ok) return read.response;
      parsedBody = read.body;
    }
    const legacy =
      !carriesEnvelopeClaim(parsedBody) &&
      (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: cfg.maxBodyBytes }));
    auditRpc(request, legacy ? '2025' : '2026-07-28', parsedBody);
    if (parsedBody !== undefined) {
      const missing = missingToolScopes(parsedBody, deps.tools, authInfo.scopes);
      if (missing.length) return deps.insufficientScope(missing);
      const stepUp = deps.policy
        ? await stepUpScopes(deps.policy, deps.tools, parsedBody, authInfo, legacy ? 'legacy' : 'modern', request)
        : [];
      if (stepUp.length) return deps.insufficientScope(stepUp);
    }
    if (!legacy) {
      const taskRefusal = parsedBody === undefined ? undefined : deps.taskGate?.(parsedBody);
      if (taskRefusal) return taskRefusal;
      const nonAscii = nonAsciiParamHeader(request.headers);
      if (nonAscii) return nonAsciiParamRejection(nonAscii, parsedBody);
      noteCalledTool(request, parsedBody);
      const serve = () => modern.fetch(request, { authInfo, parsedBody });
      const answer = await (classifiesQuietly(request) ? withoutStackTraces(serve) : serve());
      const listenId = deps.taskListen && isObject(parsedBody) && parsedBody.method === 'subscriptions/listen';
      const id = listenId ? (parsedBody as { id?: unknown }).id : undefined;
      return deps.taskListen && (typeof id === 'string' || typeof id === 'number')
        ? deps.taskListen(answer, authInfo, id)
        : answer;
    }
    if (deps.legacy) return deps.legacy(request, { authInfo, parsedBody }, ctx);
    return stateless(request, { authInfo, parsedBody });
  };
  return core;
}
