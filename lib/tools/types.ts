// What a tool is, independent of the MCP SDK: the endpoint checks `requiredScopes` before dispatch
// (403 step-up) and the server factory registers only the tools the caller's scopes allow. A tool declares its
// scopes once, in `scopes`; the build derives the PRM, the local realms and the start-up checks from that.
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequestFormParams,
  ElicitResult,
  LoggingLevel,
  Root,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
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
  /**
   * Sends a notifications/message log entry related to this call, only when the client asked for logs at
   * this level or above: at 2026-07-28 through the request's `_meta` log level (none set = no log
   * messages); in a 2025 session through `logging/setLevel` (none set = every level).
   */
  log(level: LoggingLevel, data: unknown): Promise<void>;
  /**
   * Sends a notifications/message that belongs to no request: it reaches the caller's session stream
   * (GET /mcp or the legacy SSE stream), on whichever instance holds it. No-op without a session.
   */
  notifySession(data: unknown): Promise<void>;
  /**
   * Asks the client's user to fill in a form (elicitation) and returns the answer: `accept` with the
   * form's content, `decline` or `cancel`. The content is the client's input: validate it.
   *
   * At 2026-07-28 an unanswered ask ends this invocation with an input-required result; the client
   * answers and retries (on any instance) and the handler runs again from the top, where the asks
   * answered so far resolve at once. Code before an ask may therefore run more than once: keep side
   * effects after the last ask. On a 2025 session or legacy SSE the same call sends a real
   * `elicitation/create` request on the call's stream. Several asks started together (Promise.all)
   * go to the client in one round. Never catch and drop the rejection of an unanswered ask.
   *
   * `key` names the ask in `inputRequests` (default `elicit_<n>` by call order). A client that did
   * not declare the capability gets -32021 (HTTP 400) at 2026-07-28, an error result in 2025.
   */
  elicit(params: ElicitRequestFormParams, opts?: { key?: string }): Promise<ElicitResult>;
  /** Asks the client's model for a completion (`sampling/createMessage`); same rules as `elicit`. */
  sample(
    params: CreateMessageRequestParams,
    opts?: { key?: string },
  ): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /** Asks the client for its roots (`roots/list`); same rules as `elicit`. */
  listRoots(opts?: { key?: string }): Promise<Root[]>;
  /** Pure: the client declared this capability (2026: in the request's `_meta`; 2025: in initialize). */
  clientSupports(capability: 'elicitation' | 'sampling' | 'roots'): boolean;
  /**
   * A durable step: runs `fn` once per task and checkpoints its (JSON) result; when the tool runs as a
   * task and its worker replays, a finished step returns the recorded value without running again. In a
   * plain call it just runs `fn`. In a tool declared with `task`, the first step or sleep is where a
   * tasks-capable call becomes a task (the code before it runs in the request and again in the worker).
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A durable wait of `ms`; its deadline is checkpointed in a task. Aborts with `signal`. */
  sleep(ms: number, name?: string): Promise<void>;
}

/** Whether a tool may run as a task (SEP-2663): a client without the tasks extension gets -32021 for `required`. */
export type TaskSupport = 'optional' | 'required';

export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * A tool's input schema written as JSON Schema 2020-12 (a plain object whose root describes an object).
 * tools/list returns it exactly as written, every keyword intact, and arguments are validated against it.
 */
export interface JsonSchemaObject {
  $schema?: string;
  type: 'object';
  [keyword: string]: unknown;
}

/** What a tool accepts as its input schema: a zod object (typed arguments) or a JSON Schema 2020-12 object. */
export type ToolInputSchema = z.ZodObject | JsonSchemaObject;

/** The handler's argument type: inferred from a zod schema; a plain record for a JSON Schema. */
export type ToolArgs<S extends ToolInputSchema> = S extends z.ZodObject ? z.infer<S> : Record<string, unknown>;

/** What a tool author writes: the argument of `defineTool`. */
export interface ToolSpec<S extends ToolInputSchema = ToolInputSchema> {
  /** The MCP tool name: 1-128 of A-Z a-z 0-9 _ - . (unique across the demo tools and tools/). */
  name: string;
  title?: string;
  description: string;
  /** A zod object, or a JSON Schema 2020-12 object (`{ type: 'object', ... }`), served as written. */
  inputSchema: S;
  /**
   * Scopes a caller needs for this tool, on top of AUTH_REQUIRED_SCOPES (`mcp:tools`). A plain string, or
   * `{ name, description, admin: true }` for a scope the local `viewer` user must not get.
   */
  scopes?: readonly ScopeDeclaration[];
  /** MCP tool annotations (readOnlyHint, destructiveHint, ...): listed as written; Cedar policies see the hints. */
  annotations?: ToolAnnotations;
  /**
   * Long-running: a client that negotiated the tasks extension gets a task (tools/call answers at once,
   * the tool runs in a worker, the client polls tasks/get). `optional`: a client without the extension
   * gets a plain call; `required`: it gets -32021. The call becomes a task at its first ctx.step/ctx.sleep.
   */
  task?: TaskSupport;
  handler(args: ToolArgs<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** A tool as lib/ serves it: the spec with its scope declarations normalised. */
export interface ToolDefinition<S extends ToolInputSchema = ToolInputSchema> extends Omit<ToolSpec<S>, 'scopes'> {
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

/** Pure predicate: the schema is a zod (Standard Schema) one rather than a plain JSON Schema object. */
export function isZodSchema(schema: ToolInputSchema): schema is z.ZodObject {
  return typeof schema === 'object' && schema !== null && '~standard' in schema;
}

/** Why a JSON Schema input schema cannot serve as a tool's, or undefined when it can (pure). */
export function jsonInputSchemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'must be an object';
  const s = schema as Record<string, unknown>;
  if (s.type !== 'object') return 'must have type "object" at its root';
  if (s.$schema !== undefined && s.$schema !== JSON_SCHEMA_2020_12)
    return `$schema must be ${JSON_SCHEMA_2020_12} (or absent, which means the same)`;
  try {
    JSON.stringify(schema);
  } catch {
    return 'must be plain JSON';
  }
  return undefined;
}

/** The dialect tools/list declares for input schemas (SEP-1613). */
export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Checks the spec and keeps the schema's inferred argument type for the handler. Throws a
 * ToolDefinitionError naming the tool when its name, input schema or a scope is malformed.
 */
export function defineTool<S extends ToolInputSchema>(spec: ToolSpec<S>): ToolDefinition<S> {
  if (typeof spec.name !== 'string' || !TOOL_NAME.test(spec.name)) {
    throw new ToolDefinitionError(`tool name ${JSON.stringify(spec.name)} must be 1-128 of A-Z a-z 0-9 _ - .`);
  }
  if (typeof spec.handler !== 'function') throw new ToolDefinitionError(`tool ${spec.name} has no handler function`);
  if (spec.task !== undefined && spec.task !== 'optional' && spec.task !== 'required')
    throw new ToolDefinitionError(`tool ${spec.name}: task must be 'optional' or 'required'`);
  if (!isZodSchema(spec.inputSchema)) {
    const problem = jsonInputSchemaProblem(spec.inputSchema);
    if (problem) throw new ToolDefinitionError(`tool ${spec.name}: inputSchema ${problem}`);
  }
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
