// The -32021 refusal of a tools/call for a tool that must run as a task, from a 2026-07-28 client that did
// not declare the tasks extension in the request's `_meta`. Checked before dispatch: the SDK turns any error
// a tool handler throws into an isError result, and this one must be a JSON-RPC error (HTTP 400).
import { CLIENT_CAPABILITIES_META_KEY } from '@modelcontextprotocol/server';
import { TASKS_EXTENSION } from '../../tasks/index.ts';
import { findTool, type ToolDefinition } from '../../tools/index.ts';
import { messagesOf, toolCallName } from '../jsonrpc.ts';
import { declaresTasks } from './methods.ts';

/** Pure: the id of the first tools/call in `body` that needs a task its client cannot take, if any. */
export function refusedTaskCall(body: unknown, tools: readonly ToolDefinition[]): { id: unknown } | undefined {
  for (const m of messagesOf(body)) {
    const tool = findTool(tools, toolCallName(m));
    if (tool?.task !== 'required') continue;
    const meta = (m.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    const declared =
      meta && Object.hasOwn(meta, CLIENT_CAPABILITIES_META_KEY) ? meta[CLIENT_CAPABILITIES_META_KEY] : undefined;
    if (!declaresTasks(declared)) return { id: m.id ?? null };
  }
  return undefined;
}

/** The JSON-RPC -32021 answer naming the extension (HTTP 400, as for every missing client capability). */
export function taskRequiredResponse(id: unknown): Response {
  return Response.json(
    {
      jsonrpc: '2.0',
      id,
      error: {
        code: -32021,
        message: `This tool runs only as a task: declare the ${TASKS_EXTENSION} extension`,
        data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      },
    },
    { status: 400 },
  );
}
