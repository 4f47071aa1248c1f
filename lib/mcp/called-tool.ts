// The one tool a request calls, told to the server factory (issue #18). A fresh server per request is
// required (CVE-2026-25536), and registering every tool the caller may use costs a few µs per tool on
// each one. A request that is a single `tools/call` reaches only the tool it names (the SDK's tools/call
// looks up that name alone; its Mcp-Param-* and scope-challenge steps read only that tool), so its server
// may register that tool only. The endpoint notes the name against the Request it hands to the SDK; the
// factory, given the same Request, reads it. Anything else (lists, batches, other methods, an unknown or
// refused name) registers every allowed tool as before.
import { type RpcMessage, toolCallName } from './jsonrpc.ts';

const called = new WeakMap<Request, string>();

/** The tool `body` calls when it is one `tools/call` request (not a batch) naming one; else undefined. Pure. */
export function singleCallName(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const message = body as RpcMessage;
  if (message.id === undefined || message.id === null) return undefined;
  return toolCallName(message);
}

/** Notes that the server made for `request` serves `body` alone (no-op unless it is one tools/call). */
export function noteCalledTool(request: Request, body: unknown): void {
  const name = singleCallName(body);
  if (name !== undefined) called.set(request, name);
}

/** The tool name noted for `request`, if any. */
export function calledToolOf(request: Request | undefined): string | undefined {
  return request ? called.get(request) : undefined;
}
