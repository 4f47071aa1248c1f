// The Lambda launcher (lib/mcp/tasks/lambda.ts) against a stand-in for the Lambda API (an HTTP server on
// loopback: AWS itself is the one thing mocked). It checks the requests the AWS SDK sends: the start is an
// asynchronous Invoke of the worker's alias (a qualified ARN) named after the task, with only the task id as
// payload; the Invoke's execution ARN is kept; an answer goes to the parked callback; a cancel stops the execution.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskEngine } from '../../../lib/mcp/tasks/index.ts';
import { lambdaWorkers } from '../../../lib/mcp/tasks/lambda.ts';
import { createMemoryTaskStore } from '../../../lib/tasks/index.ts';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const ALIAS = 'arn:aws:lambda:us-east-1:123456789012:function:worker:live';
const EXECUTION = 'arn:aws:lambda:us-east-1:123456789012:function:worker:7/durable-execution/t/abc';
const seen: Seen[] = [];
let server: Server;
let endpoint: string;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.url?.includes('/invocations')) {
        res.writeHead(202, { 'x-amz-durable-execution-arn': EXECUTION, 'content-type': 'application/json' });
        res.end('');
      } else if (req.method === 'GET' && req.url?.includes('/durable-executions/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ DurableExecutionArn: EXECUTION, Status: 'TIMED_OUT', StartTimestamp: 1 }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  endpoint = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  process.env = saved;
  await new Promise<void>((r) => server.close(() => r()));
});

describe('Lambda task launcher (Lambda API stand-in)', () => {
  it('starts, answers and stops a task through the API as durable functions need', async () => {
    const engine = createTaskEngine({ store: createMemoryTaskStore(), ttlMs: 60_000, leaseMs: 120_000 });
    const aws = lambdaWorkers({ engine, workerArn: ALIAS, region: 'us-east-1', endpoint });
    engine.setLauncher(aws.launch, aws.remote);
    const alice = { subject: 'alice', clientId: 'app', scopes: [] };
    const task = await engine.create(alice, 'long_demo', { steps: 1 }, {});

    const invoke = seen.find((s) => s.path.includes('/invocations'));
    expect(invoke, JSON.stringify(seen.map((s) => s.path))).toBeDefined();
    expect(decodeURIComponent(invoke!.path)).toContain(`/functions/${ALIAS}/invocations`);
    expect(invoke!.headers['x-amz-invocation-type']).toBe('Event');
    expect(invoke!.headers['x-amz-durable-execution-name']).toBe(task.taskId);
    expect(JSON.parse(invoke!.body)).toEqual({ taskId: task.taskId });
    expect((await engine.store.get(task.taskId))?.executionArn).toBe(EXECUTION);

    // Park the task on a callback (what the durable worker's submitter writes), then answer it.
    await engine.change(task.taskId, () => ({
      status: 'input_required',
      inputRequests: { ok: { method: 'elicitation/create', params: {} } },
      callbacks: { ok: 'cb-123' },
    }));
    await engine.answer(alice, task.taskId, { ok: { action: 'accept', content: { ok: true } } });
    const callback = seen.find((s) => s.path.includes('cb-123'));
    expect(callback, JSON.stringify(seen.map((s) => s.path))).toBeDefined();
    expect(decodeURIComponent(callback!.path)).toMatch(/durable-execution-callbacks\/cb-123\/succeed/);
    expect(JSON.parse(callback!.body)).toEqual({ action: 'accept', content: { ok: true } });
    expect((await engine.store.get(task.taskId))?.status).toBe('working');

    await engine.cancel(alice, task.taskId);
    const stop = seen.find((s) => decodeURIComponent(s.path).includes(`${EXECUTION}/stop`));
    expect(stop, JSON.stringify(seen.map((s) => decodeURIComponent(s.path)))).toBeDefined();
    expect((await engine.store.get(task.taskId))?.status).toBe('cancelled');
  });

  it('a task whose execution timed out is failed on tasks/get (probed at most every 30 s)', async () => {
    let t = Date.now();
    const engine = createTaskEngine({ store: createMemoryTaskStore(), ttlMs: 600_000, leaseMs: 120_000, now: () => t });
    const aws = lambdaWorkers({ engine, workerArn: ALIAS, region: 'us-east-1', endpoint });
    engine.setLauncher(aws.launch, aws.remote);
    const alice = { subject: 'alice', clientId: 'app', scopes: [] };
    const task = await engine.create(alice, 'long_demo', {}, {});
    const probes = () => seen.filter((s) => s.method === 'GET' && s.path.includes('/durable-executions/')).length;
    const before = probes();
    expect((await engine.read(alice, task.taskId))?.status).toBe('working');
    expect(probes()).toBe(before); // too fresh to ask
    t += 31_000;
    const failed = await engine.read(alice, task.taskId);
    expect(probes()).toBe(before + 1);
    expect(failed?.status).toBe('failed');
    expect(failed?.statusMessage).toBe('the execution timed out');
    expect(failed?.error?.code).toBe(-32603);
  });
});
