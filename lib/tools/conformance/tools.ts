// The "everything"-style test tools that the official conformance suite's server scenarios call by name
// (@modelcontextprotocol/conformance, `conformance list --server`). Names, arguments and texts follow
// each scenario's "Server Implementation Requirements". Never registered unless CONFORMANCE_FIXTURES=true.
// Over 250 lines on purpose: one fixture per scenario, in the order of the suite's list, so a new suite
// version is checked against one file.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult, ElicitRequestFormParams, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { RED_PIXEL_PNG, SILENT_WAV } from './media.ts';

const NO_ARGS = z.object({});

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** SEP-1034: a default for every primitive type. */
export const SEP1034_SCHEMA: ElicitRequestFormParams['requestedSchema'] = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: {
      type: 'string',
      description: 'User status',
      enum: ['active', 'inactive', 'pending'],
      default: 'active',
    },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
};

/** SEP-1330: the five enum shapes. */
export const SEP1330_SCHEMA: ElicitRequestFormParams['requestedSchema'] = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      description: 'Titled single-select',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Legacy titled enum',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Untitled multi-select',
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Titled multi-select',
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
};

async function progress(ctx: ServerContext, value: number, total: number): Promise<void> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return;
  await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: value, total } });
}

/**
 * Server->client requests go on the stream of the tools/call they serve (as the reference everything
 * server does): ctx.mcpReq.elicitInput/requestSampling alone send them unrelated, i.e. to the session's
 * standalone GET stream, which the client may not have opened yet.
 */
const onCallStream = (ctx: ServerContext) => ({ relatedRequestId: ctx.mcpReq.id });

async function elicit(ctx: ServerContext, params: ElicitRequestFormParams): Promise<CallToolResult> {
  const result = await ctx.mcpReq.elicitInput(params, onCallStream(ctx));
  return text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
}

/** Tool names the server scenarios call. */
export const CONFORMANCE_TOOL_NAMES = [
  'test_simple_text',
  'test_image_content',
  'test_audio_content',
  'test_embedded_resource',
  'test_multiple_content_types',
  'test_tool_with_logging',
  'test_error_handling',
  'test_tool_with_progress',
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'test_reconnection',
] as const;

export function registerConformanceTools(server: McpServer): void {
  server.registerTool(
    'test_simple_text',
    { description: 'Returns a simple text response.', inputSchema: NO_ARGS },
    async () => text('This is a simple text response for testing.'),
  );

  server.registerTool(
    'test_image_content',
    { description: 'Returns a 1x1 PNG image.', inputSchema: NO_ARGS },
    async () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
  );

  server.registerTool(
    'test_audio_content',
    { description: 'Returns a tiny WAV clip.', inputSchema: NO_ARGS },
    async () => ({ content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }] }),
  );

  server.registerTool(
    'test_embedded_resource',
    { description: 'Returns an embedded text resource.', inputSchema: NO_ARGS },
    async () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  );

  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and resource content together.', inputSchema: NO_ARGS },
    async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );

  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log notifications while it runs.', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      await ctx.mcpReq.log('info', 'Tool execution started');
      await sleep(50);
      await ctx.mcpReq.log('info', 'Tool processing data');
      await sleep(50);
      await ctx.mcpReq.log('info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  );

  server.registerTool(
    'test_error_handling',
    { description: 'Always fails, to test tool error reporting.', inputSchema: NO_ARGS },
    async () => {
      throw new Error('This tool intentionally returns an error for testing');
    },
  );

  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100.', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      await progress(ctx, 0, 100);
      await sleep(50);
      await progress(ctx, 50, 100);
      await sleep(50);
      await progress(ctx, 100, 100);
      return text('Tool with progress executed successfully');
    },
  );

  server.registerTool(
    'test_sampling',
    {
      description: 'Asks the client to sample an LLM with the given prompt.',
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    },
    async ({ prompt }, ctx) => {
      const result = await ctx.mcpReq.requestSampling(
        { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        onCallStream(ctx),
      );
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      const reply = content && content.type === 'text' ? content.text : JSON.stringify(content);
      return text(`LLM response: ${reply}`);
    },
  );

  server.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user for a username and email.',
      inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
    },
    async ({ message }, ctx) => {
      const result = await ctx.mcpReq.elicitInput(
        {
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        },
        onCallStream(ctx),
      );
      return text(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );

  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicitation whose schema has a default for every primitive type.', inputSchema: NO_ARGS },
    async (_args, ctx) =>
      elicit(ctx, {
        message: 'Please review and update the form fields with defaults',
        requestedSchema: SEP1034_SCHEMA,
      }),
  );

  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Elicitation with all five enum schema variants.', inputSchema: NO_ARGS },
    async (_args, ctx) => elicit(ctx, { message: 'Please select options', requestedSchema: SEP1330_SCHEMA }),
  );

  server.registerTool(
    'test_reconnection',
    {
      description: 'Closes its SSE stream mid-call (when the transport can resume) before it answers.',
      inputSchema: NO_ARGS,
    },
    async (_args, ctx) => {
      // Only a resumable (event-store backed) transport offers closeSSE; elsewhere this just answers.
      const close = (ctx.http as { closeSSE?: () => void } | undefined)?.closeSSE;
      if (close) {
        await sleep(100);
        close();
        await sleep(200);
      }
      return text('Reconnection test completed successfully');
    },
  );
}
