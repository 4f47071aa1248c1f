// The Lambda side of the launcher: a task's worker is a durable execution of the task worker function, started
// through its published alias (durable functions run only from a qualified ARN) with the task id as the
// execution name (Lambda returns the existing execution for a repeated name and payload), stopped with
// StopDurableExecution on cancel, and fed the client's answers with SendDurableExecutionCallbackSuccess.
// The AWS SDK loads on first use.
import type { TaskRecord } from '../../tasks/index.ts';
import type { Launcher, RemoteWorker, TaskEngine } from './engine.ts';

type LambdaSdk = typeof import('@aws-sdk/client-lambda');

export interface LambdaWorkersOptions {
  engine: TaskEngine;
  /** The worker's alias ARN (TASK_WORKER_ARN, `…:function:<name>:live`). */
  workerArn: string;
  region: string;
  /** A Lambda API endpoint other than AWS's (tests: a stand-in server). */
  endpoint?: string;
}

export function lambdaWorkers(o: LambdaWorkersOptions): { launch: Launcher; remote: RemoteWorker } {
  let sdk: Promise<{ mod: LambdaSdk; client: InstanceType<LambdaSdk['LambdaClient']> }> | undefined;
  const lambda = () =>
    (sdk ??= import('@aws-sdk/client-lambda').then((mod) => ({
      mod,
      client: new mod.LambdaClient({
        region: o.region,
        maxAttempts: 3,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      }),
    })));
  return {
    async launch(taskId) {
      const { mod, client } = await lambda();
      const out = await client.send(
        new mod.InvokeCommand({
          FunctionName: o.workerArn,
          InvocationType: 'Event',
          DurableExecutionName: taskId,
          Payload: new TextEncoder().encode(JSON.stringify({ taskId })),
        }),
        { abortSignal: AbortSignal.timeout(5000) },
      );
      const arn = out.DurableExecutionArn;
      if (arn) await o.engine.change(taskId, () => ({ executionArn: arn }));
    },
    remote: {
      async deliver(r: TaskRecord, answered: Record<string, unknown>) {
        const { mod, client } = await lambda();
        for (const [key, answer] of Object.entries(answered)) {
          const callbackId = r.callbacks?.[key];
          if (!callbackId) continue;
          await client.send(
            new mod.SendDurableExecutionCallbackSuccessCommand({
              CallbackId: callbackId,
              Result: new TextEncoder().encode(JSON.stringify(answer)),
            }),
            { abortSignal: AbortSignal.timeout(5000) },
          );
        }
      },
      async status(r: TaskRecord) {
        const { mod, client } = await lambda();
        const out = await client.send(new mod.GetDurableExecutionCommand({ DurableExecutionArn: r.executionArn }), {
          abortSignal: AbortSignal.timeout(5000),
        });
        return out.Status;
      },
      async stop(r: TaskRecord) {
        const { mod, client } = await lambda();
        await client.send(new mod.StopDurableExecutionCommand({ DurableExecutionArn: r.executionArn }), {
          abortSignal: AbortSignal.timeout(5000),
        });
      },
    },
  };
}
