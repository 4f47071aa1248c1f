// The McpServer factory: a fresh server per request (reusing a stateless transport or server is
// CVE-2026-25536), registering only the tools the caller's scopes allow, so tools/list matches access.
import type { AuthInfo, CallToolResult, McpServerFactory, ServerContext } from '@modelcontextprotocol/server';
import { McpServer } from '@modelcontextprotocol/server';
import { hasScopes, identityOf } from '../auth/index.ts';
import type { ToolContext, ToolDefinition, ToolPrincipal } from '../tools/index.ts';
import { auditToolOutcome } from './audit-hooks.ts';

export const SERVER_INFO = { name: 'mcp-lambda-stack', version: '0.1.0' };

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

export function registerTools(server: McpServer, tools: readonly ToolDefinition[], principal: ToolPrincipal): void {
  for (const tool of tools) {
    if (!toolAllowed(tool, principal.scopes)) continue;
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.inputSchema },
      // The SDK validated args against inputSchema before calling us.
      async (args: unknown, ctx: ServerContext) => {
        const started = Date.now();
        const tctx = toolContext(principal, ctx, server);
        const report = (ok: boolean, error?: unknown) =>
          auditToolOutcome(ctx.http?.req, {
            tool: tool.name,
            rpcId: ctx.mcpReq.id,
            args,
            ok,
            aborted: tctx.signal.aborted,
            error,
            ms: Date.now() - started,
          });
        try {
          const result = await tool.handler(args as never, tctx);
          report(!result.isError, result.isError ? result.content[0]?.text : undefined);
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

export function createServerFactory(tools: readonly ToolDefinition[], extras?: ServerExtras): McpServerFactory {
  return ({ authInfo }) => {
    const server = new McpServer(SERVER_INFO, { capabilities: { tools: {}, logging: {} } });
    const principal = principalOf(authInfo);
    registerTools(server, tools, principal);
    extras?.(server, principal);
    return server;
  };
}
