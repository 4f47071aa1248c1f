// The demo tools named in the external contract (the README's Tools table; external checks rely on them). Keep names and behaviour stable.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from './types.ts';

export const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the text it is given.',
  inputSchema: z.object({ text: z.string().max(100_000) }),
  async handler({ text }) {
    return { content: [{ type: 'text', text }] };
  },
});

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'Returns the subject, client and scopes of the access token that made this call.',
  inputSchema: z.object({}),
  async handler(_args, { principal }) {
    const who = { subject: principal.subject, clientId: principal.clientId ?? null, scopes: principal.scopes };
    return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: who };
  },
});

export const streamDemo = defineTool({
  name: 'stream_demo',
  title: 'Streaming demo',
  description:
    'Emits `chunks` pieces of text every `interval_ms` milliseconds as progress and log notifications, then returns them all.',
  inputSchema: z.object({
    chunks: z.number().int().min(1).max(1000).default(5),
    interval_ms: z.number().int().min(0).max(10_000).default(200),
  }),
  async handler({ chunks, interval_ms }, { signal, progress, log }) {
    const parts: string[] = [];
    for (let i = 1; i <= chunks; i++) {
      if (i > 1 || interval_ms > 0) await sleep(interval_ms, undefined, { signal });
      const text = `chunk ${i}/${chunks}`;
      parts.push(text);
      await progress(i, chunks, text);
      await log('info', { chunk: i, of: chunks, text, at: Date.now() });
    }
    return { content: [{ type: 'text', text: parts.join('\n') }] };
  },
});

export const notifyDemo = defineTool({
  name: 'notify_demo',
  title: 'Session notification demo',
  description:
    "Sends `text` as a log notification on the caller's session stream (GET /mcp or /sse), which may be open on another instance.",
  inputSchema: z.object({ text: z.string().max(10_000) }),
  async handler({ text }, { notifySession }) {
    await notifySession({ text, at: Date.now() });
    return { content: [{ type: 'text', text: `sent: ${text}` }] };
  },
});

export const failDemo = defineTool({
  name: 'fail_demo',
  title: 'Failing tool demo',
  description: 'Always throws: shows how a failing tool reaches the client (isError) and the audit log (tool_error).',
  inputSchema: z.object({ message: z.string().max(1_000).default('fail_demo failed on purpose') }),
  async handler({ message }) {
    throw new Error(message);
  },
});

export const adminDemo = defineTool({
  name: 'admin_demo',
  title: 'Admin demo',
  description: 'An administrative action that needs the mcp:admin scope (shows step-up authorization).',
  inputSchema: z.object({}),
  scopes: [{ name: 'mcp:admin', description: "Use the MCP server's admin tools", admin: true }],
  async handler(_args, { principal }) {
    return { content: [{ type: 'text', text: `admin action performed for ${principal.subject}` }] };
  },
});

export const confirmDemo = defineTool({
  name: 'confirm_demo',
  title: 'Confirmation demo',
  description:
    'Asks the user to confirm `action` (an elicitation) and says what they answered. At 2026-07-28 the first call returns an input-required result and the retry, on any instance, completes it.',
  inputSchema: z.object({ action: z.string().min(1).max(200) }),
  async handler({ action }, { elicit }) {
    const answer = await elicit(
      {
        message: `Do you want to ${action}?`,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Confirm', description: `Yes, ${action}` } },
          required: ['confirm'],
        },
      },
      { key: 'confirm' },
    );
    const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
    const text = confirmed ? `confirmed: ${action}` : `not confirmed (${answer.action}): ${action}`;
    return { content: [{ type: 'text', text }], structuredContent: { confirmed, action: answer.action } };
  },
});

export const sampleDemo = defineTool({
  name: 'sample_demo',
  title: 'Sampling demo',
  description: "Asks the client's model to answer `prompt` (sampling) and returns the model's text.",
  inputSchema: z.object({
    prompt: z.string().min(1).max(2_000),
    max_tokens: z.number().int().min(1).max(1_000).default(200),
  }),
  async handler({ prompt, max_tokens }, { sample }) {
    const answer = await sample(
      { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: max_tokens },
      { key: 'answer' },
    );
    const content = Array.isArray(answer.content) ? answer.content[0] : answer.content;
    const text = content?.type === 'text' ? content.text : `(the model answered with ${content?.type ?? 'nothing'})`;
    return { content: [{ type: 'text', text }], structuredContent: { model: answer.model, text } };
  },
});

export const transferDemo = defineTool({
  name: 'transfer_demo',
  title: 'Transfer demo (policies)',
  description:
    'Pretends to transfer `amount` (whole units) for `tenant`; nothing moves. The example Cedar policies (policies/examples/) limit it by tenant, amount and group.',
  inputSchema: z.object({
    amount: z.number().int().min(1).max(1_000_000_000),
    tenant: z.string().min(1).max(64),
  }),
  annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handler({ amount, tenant }) {
    return { content: [{ type: 'text', text: `transferred ${amount} for ${tenant} (demo: nothing moved)` }] };
  },
});

export const longDemo = defineTool({
  name: 'long_demo',
  title: 'Long-running demo',
  description:
    'Runs `steps` checkpointed steps of `step_ms` milliseconds each. A client with the tasks extension gets a task ' +
    '(it may outlive the /mcp function timeout); others wait for the result.',
  inputSchema: z.object({
    steps: z.number().int().min(1).max(1000).default(5),
    step_ms: z.number().int().min(0).max(3_600_000).default(1000),
  }),
  task: 'optional',
  async handler({ steps, step_ms }, { step, sleep }) {
    const done: number[] = [];
    for (let i = 1; i <= steps; i++) {
      await sleep(step_ms, `wait-${i}`);
      done.push(await step(`step-${i}`, async () => i));
    }
    const text = `long_demo finished ${done.length} steps of ${step_ms} ms`;
    return { content: [{ type: 'text', text }], structuredContent: { steps: done.length, step_ms } };
  },
});

export const demoTools = [
  echo,
  whoami,
  streamDemo,
  notifyDemo,
  failDemo,
  adminDemo,
  confirmDemo,
  sampleDemo,
  transferDemo,
  longDemo,
];
