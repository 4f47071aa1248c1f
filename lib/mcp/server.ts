// The McpServer factory: a fresh server per request (reusing a stateless transport or server is
// CVE-2026-25536), registering only the tools the caller's scopes allow, so tools/list matches access.
// Over 250 lines on purpose: the one tool wrapper every era goes through holds the policy check, the asks
// (input-required rounds) and the escalation to a task in one place, so their order is visible in one read.

import type {
  AuthInfo,
  CallToolResult,
  ClientCapabilities,
  InputRequiredResult,
  McpServerFactory,
  RequestId,
  ServerContext,
  Transport,
} from '@modelcontextprotocol/server';
import { CLIENT_CAPABILITIES_META_KEY, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { hasScopes, type Identity, identityOf } from '../auth/index.ts';
import type { RequestStateKey } from '../config.ts';
import { declareTools, log } from '../telemetry/index.ts';
import type { ToolContext, ToolDefinition, ToolPrincipal } from '../tools/index.ts';
import { auditRefusedState, auditReply, auditToolOutcome } from './audit-hooks.ts';
import { calledToolOf } from './called-tool.ts';
import {
  type Asks,
  CallLedger,
  createAsks,
  createSealer,
  ephemeralKey,
  mintState,
  type Sealer,
  type StatePayload,
  stateVerifier,
  watchIncoming,
} from './input/index.ts';
import { compileInputSchemas, inputSchemaOf } from './input-schema.ts';
import { listable, type PolicyGate, policyDenial } from './policy-hook.ts';
import { answeredId, onlyAnsweredPending, withoutStackTraces } from './stackless.ts';
import {
  type DurableOps,
  EscalateToTask,
  opsForCall,
  registerTaskMethods,
  startTask,
  type TaskEngine,
  tasksCapability,
} from './tasks/index.ts';

const SERVER_INFO = { name: 'mcp-lambda-stack', version: '0.1.0' };

/** The caller's identity as lib/auth put it into the SDK's AuthInfo; the token itself is never there. */
export function principalOf(authInfo: AuthInfo | undefined): ToolPrincipal {
  return identityOf(authInfo);
}

/** Pure predicate: the caller holds every scope the tool needs (lib/auth's one scope rule). */
export function toolAllowed(tool: ToolDefinition, scopes: readonly string[]): boolean {
  return hasScopes(scopes, tool.requiredScopes);
}

/** What one fresh server knows beyond the SDK: the caller, the era it serves, its request ledger. */
interface Serving {
  principal: ToolPrincipal;
  era: 'legacy' | 'modern';
  sealer: Sealer;
  ledger: CallLedger;
  /** Cedar policies (lib/policy), when any are configured; the identity with the claims they read. */
  policy?: { gate: PolicyGate; identity: Identity; request: Request | undefined };
  /** The tasks extension (lib/mcp/tasks), when this deployment runs tasks. */
  tasks?: TaskEngine;
  /** The one tool the request calls (called-tool.ts): only it is registered when the caller may use it. */
  only?: string;
}

/** The client's declared capabilities: the request's `_meta` at 2026-07-28, the initialize in 2025. */
function clientCapabilities(ctx: ServerContext, server: McpServer, era: Serving['era']): ClientCapabilities {
  // The SDK types the envelope as an empty object; it holds the reserved `_meta` keys as received.
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = era === 'modern' ? envelope?.[CLIENT_CAPABILITIES_META_KEY] : server.server.getClientCapabilities();
  return (declared ?? {}) as ClientCapabilities;
}

/** The call's signal: the SDK's per-request one, and the HTTP request's when there is one. */
function callSignal(ctx: ServerContext): AbortSignal {
  const requestSignal = ctx.http?.req?.signal;
  return requestSignal ? AbortSignal.any([ctx.mcpReq.signal, requestSignal]) : ctx.mcpReq.signal;
}

/** Pure predicate: callSignal(ctx) is aborted (read without combining the two). */
function callAborted(ctx: ServerContext): boolean {
  return ctx.mcpReq.signal.aborted || ctx.http?.req?.signal?.aborted === true;
}

function toolContext(
  principal: ToolPrincipal,
  ctx: ServerContext,
  server: McpServer,
  asks: Asks,
  era: Serving['era'],
  ops: DurableOps,
): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  // Combined on first read (AbortSignal.any costs ~3 µs and follows every abort after the answer; most tools never look).
  let signal: AbortSignal | undefined;
  return {
    principal,
    get signal() {
      signal ??= callSignal(ctx);
      return signal;
    },
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
      });
    },
    // The SDK's per-request log applies the request's `_meta` log level (2026-07-28: none set = no
    // notifications/message at all) or the session's logging/setLevel (2025).
    async log(level, data) {
      await ctx.mcpReq.log(level, data);
    },
    async notifySession(data) {
      if (!ctx.sessionId) return;
      await server.server.notification({ method: 'notifications/message', params: { level: 'info', data } });
    },
    elicit: asks.elicit,
    sample: asks.sample,
    listRoots: asks.listRoots,
    clientSupports: (capability) => Object.hasOwn(clientCapabilities(ctx, server, era), capability),
    step: ops.step,
    sleep: ops.sleep,
  };
}

/** The round ends with the SDK's input-required result: the pending asks and the sealed answers so far. */
function askClient(serving: Serving, ctx: ServerContext, asks: Asks): InputRequiredResult {
  const binding = serving.ledger.binding(ctx.mcpReq.id, serving.principal);
  // The ledger saw this request (the transport delivered it); without it no state could be checked later.
  if (!binding) throw new Error('no record of the request being answered');
  return inputRequired({
    inputRequests: Object.fromEntries(asks.pending),
    requestState: mintState(serving.sealer, binding, asks.used()),
  });
}

/** Pure predicate: the server of `serving` would register `tool` (scopes, then the policy's listing). */
function registrable(tool: ToolDefinition, serving: Serving): boolean {
  if (!toolAllowed(tool, serving.principal.scopes)) return false;
  const { policy } = serving;
  return !policy || listable(policy.gate, tool, policy.identity, serving.era, policy.request);
}

/**
 * The tools to register: the called one alone when it would be registered anyway (and its name is not given twice,
 * which registerTool refuses), else every registrable one.
 */
function toRegister(tools: readonly ToolDefinition[], serving: Serving): ToolDefinition[] {
  const named = serving.only === undefined ? [] : tools.filter((t) => t.name === serving.only);
  if (named.length === 1 && registrable(named[0]!, serving)) return named;
  return tools.filter((tool) => registrable(tool, serving));
}

function registerTools(server: McpServer, tools: readonly ToolDefinition[], serving: Serving): void {
  const { principal, policy } = serving;
  for (const tool of toRegister(tools, serving)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: inputSchemaOf(tool),
        ...(tool.annotations ? { annotations: tool.annotations } : {}),
      },
      // The SDK validated args against inputSchema before calling us.
      async (args: unknown, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
        const started = Date.now();
        const denied =
          policy && policyDenial(policy.gate, tool, args, { ...policy, era: serving.era, rpcId: ctx.mcpReq.id });
        if (denied) return denied;
        // The SDK ran our requestState hook before this: the state's recorded answers, bound to this call.
        const opened = ctx.mcpReq.requestState<StatePayload>();
        const recorded = typeof opened === 'object' && opened !== null ? opened.answers : Object.create(null);
        const asks = createAsks(recorded, ctx.mcpReq.inputResponses);
        // Tasks (SEP-2663): how ctx.step/ctx.sleep behave for this call; -32021 for a task the client cannot take.
        const ops = opsForCall(tool, serving.tasks, serving.era, ctx, ctx.mcpReq.signal);
        const tctx = toolContext(principal, ctx, server, asks, serving.era, ops);
        const report = (ok: boolean, error?: unknown) =>
          auditToolOutcome(ctx.http?.req, {
            rpcId: ctx.mcpReq.id,
            ok,
            aborted: callAborted(ctx),
            error,
            ms: Date.now() - started,
          });
        try {
          const result = await tool.handler(args as never, tctx);
          if (asks.pending.size > 0) return askClient(serving, ctx, asks);
          report(!result.isError);
          return result as CallToolResult;
        } catch (err) {
          // An unanswered ask rejects; whatever the handler made of that, the round asks the client.
          if (asks.pending.size > 0) return askClient(serving, ctx, asks);
          if (err instanceof EscalateToTask && serving.tasks) {
            report(true);
            return (await startTask(serving.tasks, principal, tool, args, asks.used())) as never;
          }
          report(false, err);
          throw err;
        }
      },
    );
  }
}

/** Adds more to each fresh server (resources, prompts, the conformance fixtures); runs after the tools. */
export type ServerExtras = (
  server: McpServer,
  principal: ToolPrincipal,
  /** Registers more ToolDefinitions through the same wrapper as the served tools (asks, audit). */
  addTools: (tools: readonly ToolDefinition[]) => void,
) => void;

/**
 * An McpServer that shows the audit span of the request it serves every answer it sends (the SDK sends
 * JSON-RPC errors, e.g. -32602 for an unknown tool, without calling any tool). It wraps the send of
 * whichever transport the SDK connects it to (per-request, stateless fallback, or ours), so the audit
 * needs no second parse of the response body.
 */
class AuditedMcpServer extends McpServer {
  readonly #request: Request | undefined;
  readonly #ledger: CallLedger;

  constructor(request: Request | undefined, serving: Serving) {
    super(SERVER_INFO, {
      capabilities: { tools: {}, logging: {}, ...(serving.era === 'modern' ? tasksCapability(serving.tasks) : {}) },
      // The SDK's seam opens every echoed requestState with our sealer before the handler runs.
      requestState: {
        verify: stateVerifier(serving.sealer, serving.principal, serving.ledger, (ctx, reason) => {
          auditRefusedState(ctx.http?.req ?? request, ctx.mcpReq.id, reason);
          log.warn('requestState refused', { reason });
        }),
      },
    });
    this.#request = request;
    this.#ledger = serving.ledger;
  }

  override async connect(transport: Transport): Promise<void> {
    const { send, close } = transport;
    const request = this.#request;
    const answered = new Set<RequestId>();
    transport.send = (message, options) => {
      auditReply(request, message);
      const id = answeredId(message);
      if (id !== undefined) answered.add(id);
      return send.call(transport, message, options);
    };
    // stackless.ts: the SdkError the SDK builds on close skips its stack when only answered calls get it.
    const closeNow = () => close.call(transport);
    transport.close = () => (onlyAnsweredPending(this.server, answered) ? withoutStackTraces(closeNow) : closeNow());
    await super.connect(transport);
    watchIncoming(transport, this.#ledger);
  }
}

let warnedEphemeral = false;
/** Once per process: without shared keys a retry that reaches another instance is refused. */
function warnEphemeralOnce(): void {
  if (warnedEphemeral) return;
  warnedEphemeral = true;
  log.warn('REQUEST_STATE_KEYS is not set: input-required state opens only on the instance that sealed it');
}

export interface ServerFactoryOptions {
  /** REQUEST_STATE_KEYS (cfg.requestState.keys); none = a random key of this process (one instance only). */
  requestStateKeys?: readonly RequestStateKey[];
  /** Cedar policies decide each call and the tools listed (lib/policy); absent = scopes alone decide. */
  policy?: PolicyGate;
  /** Serves the tasks extension (tools declaring `task`, tasks/get|update|cancel) with this engine. */
  tasks?: TaskEngine;
  /**
   * A server for a single tools/call registers only the called tool (called-tool.ts); default true. Off, and
   * whenever `extras` are given (they may register tools of their own), every allowed tool is registered.
   */
  registerCalledOnly?: boolean;
}

/** A factory of fresh servers, one per request, with the tools the caller's scopes allow. */
export function createServerFactory(
  tools: readonly ToolDefinition[],
  extras?: ServerExtras,
  options: ServerFactoryOptions = {},
): McpServerFactory {
  declareTools(tools.map((t) => t.name));
  compileInputSchemas(tools);
  const keys = options.requestStateKeys?.length ? options.requestStateKeys : [ephemeralKey()];
  if (!options.requestStateKeys?.length) warnEphemeralOnce();
  const sealer = createSealer(keys);
  const targeted = options.registerCalledOnly !== false && extras === undefined;
  return ({ era, authInfo, requestInfo }) => {
    const principal = principalOf(authInfo);
    const request = requestInfo instanceof Request ? requestInfo : undefined;
    const serving: Serving = { principal, era, sealer, ledger: new CallLedger(), tasks: options.tasks };
    if (targeted) serving.only = calledToolOf(request);
    if (options.policy) serving.policy = { gate: options.policy, identity: identityOf(authInfo), request };
    const server = new AuditedMcpServer(request, serving);
    registerTools(server, tools, serving);
    if (options.tasks && era === 'modern') registerTaskMethods(server, options.tasks, principal);
    extras?.(server, principal, (more) => registerTools(server, more, serving));
    return server;
  };
}
