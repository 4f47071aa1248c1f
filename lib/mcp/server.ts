// The McpServer factory: a fresh server per request (reusing a stateless transport or server is
// CVE-2026-25536), registering only the tools the caller's scopes allow, so tools/list matches access.

import type {
  AuthInfo,
  CallToolResult,
  McpServerFactory,
  ServerContext,
  Transport,
} from '@modelcontextprotocol/server';
import { McpServer } from '@modelcontextprotocol/server';
import { hasScopes, identityOf } from '../auth/index.ts';
import { declareTools } from '../telemetry/index.ts';
import type { ToolContext, ToolDefinition, ToolPrincipal } from '../tools/index.ts';
import { auditReply, auditToolOutcome } from './audit-hooks.ts';
import { compileInputSchemas, inputSchemaOf } from './input-schema.ts';

const SERVER_INFO = { name: 'mcp-lambda-stack', version: '0.1.0' };

/** The caller's identity as lib/auth put it into the SDK's AuthInfo; the token itself is never there. */
export function principalOf(authInfo: AuthInfo | undefined): ToolPrincipal {
  return identityOf(authInfo);
}

/** Pure predicate: the caller holds every scope the tool needs (lib/auth's one scope rule). */
export function toolAllowed(tool: ToolDefinition, scopes: readonly string[]): boolean {
  return hasScopes(scopes, tool.requiredScopes);
}

function toolContext(principal: ToolPrincipal, ctx: ServerContext, server: McpServer): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const requestSignal = ctx.http?.req?.signal;
  const signal = requestSignal ? AbortSignal.any([ctx.mcpReq.signal, requestSignal]) : ctx.mcpReq.signal;
  return {
    principal,
    signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
      });
    },
    async log(level, data) {
      await ctx.mcpReq.notify({ method: 'notifications/message', params: { level, data } });
    },
    async notifySession(data) {
      if (!ctx.sessionId) return;
      await server.server.notification({ method: 'notifications/message', params: { level: 'info', data } });
    },
  };
}

function registerTools(server: McpServer, tools: readonly ToolDefinition[], principal: ToolPrincipal): void {
  for (const tool of tools) {
    if (!toolAllowed(tool, principal.scopes)) continue;
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: inputSchemaOf(tool) },
      // The SDK validated args against inputSchema before calling us.
      async (args: unknown, ctx: ServerContext) => {
        const started = Date.now();
        const tctx = toolContext(principal, ctx, server);
        const report = (ok: boolean, error?: unknown) =>
          auditToolOutcome(ctx.http?.req, {
            rpcId: ctx.mcpReq.id,
            ok,
            aborted: tctx.signal.aborted,
            error,
            ms: Date.now() - started,
          });
        try {
          const result = await tool.handler(args as never, tctx);
          report(!result.isError);
          return result as CallToolResult;
        } catch (err) {
          report(false, err);
          throw err;
        }
      },
    );
  }
}

/** Adds more to each fresh server (resources, prompts, the conformance fixtures); runs after the tools. */
export type ServerExtras = (server: McpServer, principal: ToolPrincipal) => void;

/**
 * An McpServer that shows the audit span of the request it serves every answer it sends (the SDK sends
 * JSON-RPC errors, e.g. -32602 for an unknown tool, without calling any tool). It wraps the send of
 * whichever transport the SDK connects it to (per-request, stateless fallback, or ours), so the audit
 * needs no second parse of the response body.
 */
class AuditedMcpServer extends McpServer {
  readonly #request: Request | undefined;

  constructor(request: Request | undefined) {
    super(SERVER_INFO, { capabilities: { tools: {}, logging: {} } });
    this.#request = request;
  }

  override async connect(transport: Transport): Promise<void> {
    const send = transport.send.bind(transport);
    const request = this.#request;
    transport.send = (message, options) => {
      auditReply(request, message);
      return send(message, options);
    };
    return super.connect(transport);
  }
}

/** A factory of fresh servers, one per request, with the tools the caller's scopes allow. */
export function createServerFactory(tools: readonly ToolDefinition[], extras?: ServerExtras): McpServerFactory {
  declareTools(tools.map((t) => t.name));
  compileInputSchemas(tools);
  return ({ authInfo, requestInfo }) => {
    const server = new AuditedMcpServer(requestInfo instanceof Request ? requestInfo : undefined);
    const principal = principalOf(authInfo);
    registerTools(server, tools, principal);
    extras?.(server, principal);
    return server;
  };
}
