// Lambda shell for the task worker (a durable function, invoked by McpFunction through its alias): config at
// init (fails fast), then the durable handler (lib/apps/task-worker.ts).
import { catalogue } from '../generated/tools.ts';
import { createTaskWorker } from '../lib/apps/task-worker.ts';
import { loadConfig } from '../lib/config.ts';

export const handler = createTaskWorker(loadConfig(process.env, catalogue), catalogue);
