// The task worker as a Lambda durable execution (@aws/durable-execution-sdk-js): one execution per task,
// named after it. The tool's ctx.step is the SDK's step (run once, checkpointed by Lambda), ctx.sleep its wait
// (the invocation ends; Lambda resumes it later at no compute cost), and each ask a durable callback: the
// callback id goes into the task record with the ask (status input_required), tasks/update delivers the
// client's answer with SendDurableExecutionCallbackSuccess, and the execution resumes where it parked.
// The record's writes happen in steps, so a replay does not repeat them.
import type { DurableContext } from '@aws/durable-execution-sdk-js';
import { errorClass } from '../../audit/index.ts';
import { isTerminal, type TaskPatch, type TaskRecord } from '../../tasks/index.ts';
import type { ToolContext, ToolResult } from '../../tools/index.ts';
import { createAsks } from '../input/index.ts';
import type { WorkerOptions } from './run.ts';

/** How long a parked ask waits for the client before the task fails (the callback's timeout). */
export const ASK_TIMEOUT_S = 24 * 3600;

type AskKind = 'elicit' | 'sample' | 'listRoots';

/** Runs the task's tool inside a durable execution; resolves with the terminal status it wrote. */
export async function runDurableTask(o: WorkerOptions, taskId: string, context: DurableContext): Promise<string> {
  const { engine } = o;
  const write = (name: string, patch: (r: TaskRecord) => TaskPatch | undefined) =>
    context.step(name, async () => (await engine.change(taskId, patch))?.status ?? 'unknown');
  // The lease of a durable execution is its deadline: it is suspended (not renewing) while it waits.
  const claimed = await context.step('claim', async () => {
    const r = await engine.change(taskId, (x) =>
      x.status === 'working' ? { leaseUntil: x.createdAt + o.maxRunMs + engine.leaseMs } : undefined,
    );
    return r && r.status === 'working' ? { tool: r.tool, args: r.args, owner: r } : undefined;
  });
  if (!claimed) return 'not-working';
  const tool = o.tools.get(claimed.tool);
  if (!tool) return write('finish', () => failed('The task tool is not served here', 'unknown tool'));

  let n = 0;
  const opId = (kind: string, name?: string) => `${++n}-${kind}-${name ?? ''}`;
  // One ask = one durable callback; its answer is read with the same views as an input-required retry.
  const ask = async <T>(kind: AskKind, params: unknown, key: string | undefined): Promise<T> => {
    const k = key ?? `${kind}_${n + 1}`;
    const raw = await context.waitForCallback<string>(
      opId('ask', k),
      async (callbackId) => {
        const inputRequest = probe<T>(kind, params, k).request;
        await engine.change(taskId, (r) =>
          r.status === 'working' || r.status === 'input_required'
            ? {
                status: 'input_required',
                inputRequests: { ...r.inputRequests, [k]: inputRequest },
                callbacks: { ...r.callbacks, [k]: callbackId },
              }
            : undefined,
        );
      },
      { timeout: { seconds: ASK_TIMEOUT_S } },
    );
    return probe<T>(kind, params, k, JSON.parse(raw)).answer;
  };
  const ctx: ToolContext = {
    principal: {
      subject: claimed.owner.ownerSubject,
      clientId: claimed.owner.ownerClient,
      scopes: claimed.owner.ownerScopes,
    },
    signal: new AbortController().signal,
    progress: async () => {},
    log: async () => {},
    notifySession: async () => {},
    elicit: (params, opts) => ask('elicit', params, opts?.key),
    sample: (params, opts) => ask('sample', params, opts?.key),
    listRoots: (opts) => ask('listRoots', undefined, opts?.key),
    clientSupports: () => true,
    step: async (name, fn) => context.step(opId('step', name), fn),
    sleep: async (ms, name) => {
      await context.wait(opId('wait', name), { seconds: Math.max(1, Math.ceil(ms / 1000)) });
    },
  };
  let outcome: TaskPatch;
  try {
    const result: ToolResult = await tool.handler(claimed.args as never, ctx);
    outcome = { status: 'completed', result: { ...result }, leaseUntil: 0 };
  } catch (err) {
    outcome = failed(`The tool failed (${errorClass(err)})`, 'the tool failed');
  }
  return write('finish', (r) => (isTerminal(r.status) ? undefined : outcome));
}

/** What our asks make of a key: the input request to send, or (given the client's answer) the parsed answer. */
function probe<T>(kind: AskKind, params: unknown, key: string, answer?: unknown) {
  const asks = createAsks(answer === undefined ? {} : { [key]: answer }, undefined);
  const call = (
    kind === 'listRoots'
      ? asks.listRoots({ key })
      : (asks[kind] as (p: unknown, o: { key: string }) => Promise<unknown>)(params, { key })
  ) as Promise<T>;
  call.catch(() => {});
  return { request: asks.pending.get(key), answer: call };
}

function failed(message: string, statusMessage: string): TaskPatch {
  return { status: 'failed', statusMessage, error: { code: -32603, message }, leaseUntil: 0 };
}
