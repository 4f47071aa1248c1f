// What a tool is, independent of the MCP SDK: the endpoint checks `requiredScopes` before dispatch
// (403 step-up) and the server factory registers only the tools the caller's scopes allow.
import type { z } from 'zod';

export interface ToolPrincipal {
  subject: string;
  clientId: string | undefined;
  scopes: string[];
}

export interface ToolContext {
  principal: ToolPrincipal;
  /** Aborts when the client cancels, disconnects, or the invocation nears its deadline. */
  signal: AbortSignal;
  /** Sends notifications/progress when the caller asked for progress (a progressToken); otherwise a no-op. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends a notifications/message log entry related to this call. */
  log(level: 'debug' | 'info' | 'warning' | 'error', data: unknown): Promise<void>;
  /**
   * Sends a notifications/message that belongs to no request: it reaches the caller's session stream
   * (GET /mcp or the legacy SSE stream), on whichever instance holds it. No-op without a session.
   */
  notifySession(data: unknown): Promise<void>;
}

export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title?: string;
  description: string;
  inputSchema: S;
  /** Scopes a caller needs on top of the endpoint's required scopes. */
  requiredScopes: string[];
  handler(args: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** Identity function that keeps the schema's inferred argument type for the handler. */
export function defineTool<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition<S> {
  return tool;
}
