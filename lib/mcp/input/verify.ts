// The `requestState.verify` hook we give the SDK: it opens the sealed state of every input-required
// capable request (tools/call, prompts/get, resources/read), before the handler runs, in both eras (the
// SDK's legacy shim calls it on its in-process rounds too). A refused state is audited here with
// outcome `denied` and its reason, then the SDK answers the request with its frozen JSON-RPC error
// -32602 "Invalid or expired requestState" (data.reason `invalid_request_state`): one answer for every
// reason, so the client learns nothing about which check failed.
//
// The hook sees the request's id but not its params, so the server records what each incoming request
// names (tool and argument digest) in a CallLedger as the transport delivers it.

import type { JSONRPCMessage, RequestId, ServerContext, Transport } from '@modelcontextprotocol/server';
import type { ToolPrincipal } from '../../tools/index.ts';
import { RequestStateError, type Sealer } from './seal.ts';
import { argsDigest, openState, type StateBinding, type StatePayload } from './state.ts';

const BOUND_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What the requests a server received name, by JSON-RPC id (one server serves one request or exchange). */
export class CallLedger {
  readonly #calls = new Map<string, { tool: string; args: unknown }>();

  /** Records a tools/call, prompts/get or resources/read request; ignores everything else. */
  record(message: JSONRPCMessage): void {
    const m = message as { id?: RequestId; method?: unknown; params?: Record<string, unknown> };
    if (m.id === undefined || typeof m.method !== 'string' || !BOUND_METHODS.has(m.method)) return;
    const name = m.params?.name ?? m.params?.uri;
    if (typeof name !== 'string') return;
    // The digest is taken only when a state is minted or opened (most calls never need it).
    this.#calls.set(JSON.stringify(m.id), { tool: `${m.method} ${name}`, args: m.params?.arguments });
  }

  /** What the state of request `id` must be bound to, for this caller; undefined for an unknown id. */
  binding(id: RequestId, principal: ToolPrincipal): StateBinding | undefined {
    const call = this.#calls.get(JSON.stringify(id));
    if (!call) return undefined;
    let args: string;
    try {
      args = argsDigest(call.args);
    } catch {
      return undefined; // arguments nested too deep to digest: no state can be bound to them
    }
    return { subject: principal.subject, clientId: principal.clientId ?? '', tool: call.tool, args };
  }
}

/**
 * Records every message the transport delivers to the server in `ledger`. Call it right after the server's
 * connect() resolved: the SDK assigns `transport.onmessage` inside connect(), and our transports deliver
 * nothing before connect() returns, so wrapping that handler sees every message. (A getter/setter pair on the
 * transport did the same before connect, but turned each per-request transport into a slow dictionary object.)
 */
export function watchIncoming(transport: Transport, ledger: CallLedger): void {
  const inner = transport.onmessage;
  if (!inner) throw new Error('watchIncoming: the transport has no message handler (call it after connect)');
  transport.onmessage = (message, extra) => {
    ledger.record(message);
    inner(message, extra);
  };
}

/** The SDK hook: the opened payload (handed to the handler as ctx.mcpReq.requestState()), or a throw. */
export function stateVerifier(
  sealer: Sealer,
  principal: ToolPrincipal,
  ledger: CallLedger,
  refused: (ctx: ServerContext, reason: RequestStateError['reason']) => void,
): (state: string, ctx: ServerContext) => StatePayload {
  return (state, ctx) => {
    try {
      return openState(sealer, state, ledger.binding(ctx.mcpReq.id, principal));
    } catch (err) {
      refused(ctx, err instanceof RequestStateError ? err.reason : 'malformed');
      throw err;
    }
  };
}
