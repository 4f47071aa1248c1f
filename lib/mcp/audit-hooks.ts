// What the MCP layer tells the audit span of the HTTP request it serves (lib/audit's withAudit opened
// it; lib/gate named the caller): which JSON-RPC method and tools, and how each call ended (from the
// tool itself and from the answer the server sent).
import { auditSpanOf, type CallFacts, type Era, errorClass } from '../audit/index.ts';
import { messagesOf, toolCallName } from './jsonrpc.ts';
import { originalOf } from './sessions/detached.ts';

/** Records the request's era, its first JSON-RPC message (method, id, tool, argument digest) and every tools/call. */
export function auditRpc(request: Request, era: Era, body: unknown): void {
  const span = auditSpanOf(request);
  if (!span) return;
  const list = messagesOf(body);
  const calls: CallFacts[] = [];
  for (const m of list) {
    const tool = toolCallName(m);
    if (tool !== undefined && (typeof m.id === 'string' || typeof m.id === 'number')) {
      calls.push({ tool, rpcId: m.id, args: (m.params as { arguments?: unknown }).arguments ?? {} });
    }
  }
  span.expectCalls(calls);
  const first = list[0];
  const params = (first?.params ?? {}) as { arguments?: unknown; _meta?: Record<string, unknown> };
  const envelopeVersion = params._meta?.['io.modelcontextprotocol/protocolVersion'];
  span.setRpc({
    era,
    protocolVersion:
      request.headers.get('mcp-protocol-version') ??
      (typeof envelopeVersion === 'string' ? envelopeVersion : undefined),
    method: typeof first?.method === 'string' ? first.method : undefined,
    rpcId: typeof first?.id === 'string' || typeof first?.id === 'number' ? first.id : undefined,
    tool: first ? toolCallName(first) : undefined,
    args: first && toolCallName(first) ? (params.arguments ?? {}) : undefined,
    sessionId: request.headers.get('mcp-session-id') ?? new URL(request.url).searchParams.get('sessionId') ?? undefined,
    meta: params._meta,
  });
}

/** How one tool call ended, as the tool wrapper saw it: only the error's class is kept, never its text. */
export function auditToolOutcome(
  request: Request | undefined,
  call: { rpcId: string | number; ok: boolean; aborted: boolean; error?: unknown; ms: number },
): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  if (!span) return;
  span.settle(call.rpcId, {
    outcome: call.aborted ? 'aborted' : call.ok ? 'ok' : 'tool_error',
    error: call.ok || call.error === undefined ? undefined : errorClass(call.error),
    durationMs: call.ms,
  });
}

/**
 * What the server answered a request: an error response is `rpc_error` with its code, a result with
 * isError is `tool_error`. Called for every message a server sends (see observeReplies), so only the
 * envelope is looked at.
 */
export function auditReply(request: Request | undefined, message: unknown): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  if (!span || typeof message !== 'object' || message === null || 'method' in message) return;
  const { id, error, result } = message as { id?: unknown; error?: { code?: unknown }; result?: { isError?: unknown } };
  if (typeof id !== 'string' && typeof id !== 'number') return;
  if (error !== undefined) {
    const code = typeof error?.code === 'number' ? error.code : undefined;
    span.settle(id, { outcome: 'rpc_error', rpcErrorCode: code });
  } else span.settle(id, { outcome: result?.isError === true ? 'tool_error' : 'ok' });
}

/** A request the client cancelled (notifications/cancelled) while it ran: it gets no response, so it is `aborted`. */
export function auditCancelled(request: Request | undefined, rpcId: string | number): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  span?.settle(rpcId, { outcome: 'aborted' });
}

/** A request whose bound (the invocation deadline) came before the server's answer: it timed out. */
export function auditExpired(request: Request | undefined, rpcId: string | number): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  span?.settle(rpcId, { outcome: 'timeout' });
}

/**
 * A request whose `requestState` was refused (tampered, another caller's, another call's, expired,
 * unknown key): outcome `denied`, like any other refused credential-like input, with the fixed reason.
 */
export function auditRefusedState(request: Request | undefined, rpcId: string | number, reason: string): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  span?.settle(rpcId, { outcome: 'denied', error: `request_state_${reason}` });
}
