// Conformance fixtures for input-required results (SEP-2322) and the stateless diagnostics (SEP-2575)
// of @modelcontextprotocol/conformance 0.2.0-alpha.12: the tool names, input keys and texts its
// `input-required-result-*` and `server-stateless` scenarios expect. The tools are ordinary
// ToolDefinitions, so they run through the same wrapper as every tool (ctx.elicit/sample/listRoots,
// the sealed requestState, the capability gate); only the prompt is written with the SDK's builders.
//
//   INPUT_REQUIRED_FIXTURE_TOOLS        the tools (registered through the server's tool wrapper)
//   registerInputRequiredPrompt(server) test_input_required_result_prompt
import type { ElicitRequestFormParams, McpServer } from '@modelcontextprotocol/server';
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { defineTool, type ToolDefinition, type ToolResult } from '../types.ts';

const NO_ARGS = z.object({});
const text = (t: string): ToolResult => ({ content: [{ type: 'text', text: t }] });

const form = (message: string, field: string, type: 'string' | 'boolean'): ElicitRequestFormParams => ({
  message,
  requestedSchema: {
    type: 'object',
    properties: { [field]: type === 'string' ? { type: 'string' } : { type: 'boolean' } },
    required: [field],
  },
});

const askName = form('What is your name?', 'name', 'string');
const greetingRequest = (prompt: string, maxTokens: number) => ({
  messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt } }],
  maxTokens,
});

/** The first text of a sampling answer (content is one block or a list of blocks). */
function sampledText(answer: { content: unknown }): string {
  const block = (Array.isArray(answer.content) ? answer.content[0] : answer.content) as {
    type?: string;
    text?: string;
  };
  return block?.type === 'text' && typeof block.text === 'string' ? block.text : '';
}

const tools = [
  defineTool({
    name: 'test_input_required_result_elicitation',
    description: 'Asks for the user name (elicitation, key user_name), then greets.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit }) {
      const answer = await elicit(askName, { key: 'user_name' });
      return text(`Hello, ${String(answer.content?.name ?? 'stranger')}!`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_sampling',
    description: 'Asks the client model a question (sampling, key capital_question) and returns its answer.',
    inputSchema: NO_ARGS,
    async handler(_args, { sample }) {
      const answer = await sample(greetingRequest('What is the capital of France?', 100), { key: 'capital_question' });
      return text(`The model said: ${sampledText(answer)}`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_list_roots',
    description: "Asks for the client's roots (key client_roots) and lists them.",
    inputSchema: NO_ARGS,
    async handler(_args, { listRoots }) {
      const roots = await listRoots({ key: 'client_roots' });
      return text(`Roots: ${roots.map((r) => r.uri).join(', ') || '(none)'}`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_request_state',
    description: 'Asks for a confirmation with a sealed requestState; the retry says state-ok.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit }) {
      const answer = await elicit(form('Please confirm', 'ok', 'boolean'), { key: 'confirm' });
      return text(`state-ok: action=${answer.action}, ok=${String(answer.content?.ok ?? false)}`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_multiple_inputs',
    description: 'Asks for a name, a sampled greeting and the roots in one round.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit, sample, listRoots }) {
      const [name, greeting, roots] = await Promise.all([
        elicit(askName, { key: 'user_name' }),
        sample(greetingRequest('Generate a greeting', 50), { key: 'greeting' }),
        listRoots({ key: 'client_roots' }),
      ]);
      return text(`${sampledText(greeting)} ${String(name.content?.name ?? '')} (${roots.length} roots)`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_multi_round',
    description: 'Asks for a name, then (a second round) for a colour.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit }) {
      const name = await elicit(form('Step 1: What is your name?', 'name', 'string'), { key: 'step1' });
      const colour = await elicit(form('Step 2: What is your favorite color?', 'color', 'string'), { key: 'step2' });
      return text(`${String(name.content?.name ?? '')} likes ${String(colour.content?.color ?? '')}`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_tampered_state',
    description: 'Asks for a confirmation; a modified requestState on the retry is refused.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit }) {
      const answer = await elicit(form('Please confirm', 'ok', 'boolean'), { key: 'confirm' });
      return text(`confirmed: ${String(answer.content?.ok ?? false)}`);
    },
  }),
  defineTool({
    name: 'test_input_required_result_capabilities',
    description: 'Asks only for what the client declared: an elicitation and/or a sampling.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit, sample, clientSupports }) {
      const asks: Array<Promise<unknown>> = [];
      if (clientSupports('elicitation')) asks.push(elicit(askName, { key: 'user_name' }));
      if (clientSupports('sampling'))
        asks.push(sample(greetingRequest('Generate a greeting', 50), { key: 'greeting' }));
      await Promise.all(asks);
      return text(`answered ${asks.length} input request(s)`);
    },
  }),
  defineTool({
    name: 'test_missing_capability',
    description: 'Needs sampling: a client that did not declare it gets -32021.',
    inputSchema: NO_ARGS,
    async handler(_args, { sample }) {
      const answer = await sample(greetingRequest('Say hello', 20), { key: 'hello' });
      return text(sampledText(answer));
    },
  }),
  defineTool({
    name: 'test_streaming_elicitation',
    description: 'Asks for a name on the request stream: only an input-required result, never a request.',
    inputSchema: NO_ARGS,
    async handler(_args, { elicit, progress }) {
      await progress(0, 1, 'asking');
      const answer = await elicit(askName, { key: 'user_name' });
      return text(`Hello, ${String(answer.content?.name ?? 'stranger')}!`);
    },
  }),
  defineTool({
    name: 'test_logging_tool',
    description: "Logs at debug, info and error: sent only at or above the request's _meta log level.",
    inputSchema: NO_ARGS,
    async handler(_args, { log }) {
      await log('debug', 'debug message from test_logging_tool');
      await log('info', 'info message from test_logging_tool');
      await log('error', 'error message from test_logging_tool');
      return text('logged at debug, info and error');
    },
  }),
] as unknown as ToolDefinition[];

/** The input-required fixture tools (they go through the server's tool wrapper like any tool). */
export const INPUT_REQUIRED_FIXTURE_TOOLS: readonly ToolDefinition[] = tools;

export const INPUT_REQUIRED_PROMPT = 'test_input_required_result_prompt';

/** test_input_required_result_prompt: prompts/get asks for a context (key user_context), then answers. */
export function registerInputRequiredPrompt(server: McpServer): void {
  server.registerPrompt(
    INPUT_REQUIRED_PROMPT,
    { description: 'A prompt that asks the user for its context first (input-required result).' },
    (ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'user_context');
      if (answer.kind !== 'elicit') {
        return inputRequired({
          inputRequests: {
            user_context: inputRequired.elicit(form('What context should the prompt use?', 'context', 'string')),
          },
        });
      }
      const context = typeof answer.content?.context === 'string' ? answer.content.context : '';
      return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${context}` } }] };
    },
  );
}

/** Adds the input-required fixtures: the tools through `addTools` (the server's tool wrapper), the prompt directly. */
export function registerInputRequiredFixtures(
  server: McpServer,
  addTools: ((tools: readonly ToolDefinition[]) => void) | undefined,
): void {
  addTools?.(INPUT_REQUIRED_FIXTURE_TOOLS);
  registerInputRequiredPrompt(server);
}
