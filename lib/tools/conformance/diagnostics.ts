// Diagnostic hooks of the 2026-07-28 suite's server-stateless scenario: tools whose only job is to make the
// server announce a change of its tool or prompt list, so the scenario can check that an open
// `subscriptions/listen` stream that opted in gets `notifications/tools/list_changed` (or prompts), and that
// one filtered to the other kind does not. The event goes on the change-event bus the /mcp handler's listen
// streams follow (lib/mcp/event-bus.ts shares it across instances), so it reaches a stream on any instance.
// Without a bus (a test that wires no listen streams) the hooks answer and announce nothing.
import type { CallToolResult, McpServer, ServerEventBus } from '@modelcontextprotocol/server';
import { z } from 'zod';

const NO_ARGS = z.object({});
const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** Tool names of this file. */
export const DIAGNOSTIC_TOOL_NAMES = ['test_trigger_tool_change', 'test_trigger_prompt_change'] as const;

export function registerDiagnosticTools(server: McpServer, bus: ServerEventBus | undefined): void {
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Announces a change of the tool list to open subscriptions/listen streams.', inputSchema: NO_ARGS },
    async () => {
      bus?.publish({ kind: 'tools_list_changed' });
      return text(bus ? 'tools/list_changed announced' : 'no change-event bus: nothing announced');
    },
  );

  server.registerTool(
    'test_trigger_prompt_change',
    {
      description: 'Announces a change of the prompt list to open subscriptions/listen streams.',
      inputSchema: NO_ARGS,
    },
    async () => {
      bus?.publish({ kind: 'prompts_list_changed' });
      return text(bus ? 'prompts/list_changed announced' : 'no change-event bus: nothing announced');
    },
  );
}
