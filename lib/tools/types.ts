// What a tool is, independent of the MCP SDK: the endpoint checks `requiredScopes` before dispatch
// (403 step-up) and the server factory registers only the tools the caller's scopes allow. A tool declares its
// scopes once, in `scopes`; the build derives the PRM, the local realms and the start-up checks from that.
import type { z } from 'zod';
import { normaliseScopes, type ScopeDeclaration, type ScopeInfo } from './scopes.ts';

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

/** What a tool author writes: the argument of `defineTool`. */
export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  /** The MCP tool name: 1-128 of A-Z a-z 0-9 _ - . (unique across the demo tools and tools/). */
  name: string;
  title?: string;
  description: string;
  inputSchema: S;
  /**
   * Scopes a caller needs for this tool, on top of AUTH_REQUIRED_SCOPES (`mcp:tools`). A plain string, or
   * `{ name, description, admin: true }` for a scope the local `viewer` user must not get.
   */
  scopes?: readonly ScopeDeclaration[];
  handler(args: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** A tool as lib/ serves it: the spec with its scope declarations normalised. */
export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> extends Omit<ToolSpec<S>, 'scopes'> {
  /** The scope names the caller needs (what lib/mcp checks). */
  requiredScopes: string[];
  /** The same scopes with what the tool said about them. */
  scopes: ScopeInfo[];
}

export class ToolDefinitionError extends Error {
  readonly code = 'invalid_tool';
  constructor(message: string) {
    super(message);
    this.name = 'ToolDefinitionError';
  }
}

/** MCP tool names (SEP-986): what every client accepts. */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Checks the spec and keeps the schema's inferred argument type for the handler. Throws a
 * ToolDefinitionError naming the tool when its name or a scope is malformed.
 */
export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolDefinition<S> {
  if (typeof spec.name !== 'string' || !TOOL_NAME.test(spec.name)) {
    throw new ToolDefinitionError(`tool name ${JSON.stringify(spec.name)} must be 1-128 of A-Z a-z 0-9 _ - .`);
  }
  if (typeof spec.handler !== 'function') throw new ToolDefinitionError(`tool ${spec.name} has no handler function`);
  let scopes: ScopeInfo[];
  try {
    scopes = normaliseScopes(spec.scopes ?? []);
  } catch (err) {
    throw new ToolDefinitionError(`tool ${spec.name}: ${(err as Error).message}`);
  }
  const { scopes: _declared, ...rest } = spec;
  return { ...rest, scopes, requiredScopes: scopes.map((s) => s.name) };
}

/** Structural check for a module's default export: something defineTool made. */
export function isToolDefinition(value: unknown): value is ToolDefinition {
  const v = value as Partial<ToolDefinition> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.handler === 'function' &&
    typeof v.inputSchema === 'object' &&
    Array.isArray(v.requiredScopes) &&
    Array.isArray(v.scopes)
  );
}
