// What the MCP layer tells the audit span of the HTTP request it serves (lib/audit's withAudit opened
// it; lib/gate named the caller): which JSON-RPC method and tool, and how each tool call ended.
import { auditSpanOf } from '../audit/auditor.ts';
import type { Era } from '../audit/record.ts';
import { originalOf } from './detached.ts';
import { messagesOf, toolCallName } from './jsonrpc.ts';

const toolCallsIn = new WeakMap<Request, number>();

/** Records the request's era and (first) JSON-RPC message: method, id, tool and argument digest. */
export function auditRpc(request: Request, era: Era, body: unknown): void {
  const span = auditSpanOf(request);
  if (!span) return;
  const list = messagesOf(body);
  toolCallsIn.set(request, list.filter((m) => toolCallName(m) !== undefined).length);
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

/**
 * How one tool call ended. A request with one call carries the outcome on its own record; a batch
 * with several gets one extra `tool_call` record per call.
 */
export function auditToolOutcome(
  request: Request | undefined,
  call: {
    tool: string;
    rpcId: string | number;
    args: unknown;
    ok: boolean;
    aborted: boolean;
    error?: unknown;
    ms: number;
  },
): void {
  const span = request ? auditSpanOf(originalOf(request)) : undefined;
  if (!span || span.ended) return;
  const outcome = call.aborted ? 'aborted' : call.ok ? 'ok' : 'tool_error';
  if ((toolCallsIn.get(originalOf(request!)) ?? 0) > 1) {
    span.addToolCall({
      tool: call.tool,
      rpcId: call.rpcId,
      args: call.args,
      outcome,
      error: call.error,
      durationMs: call.ms,
    });
  } else if (!call.ok || call.aborted) span.setOutcome(outcome, { error: call.error });
}
