// Tasks (SEP-2663) across instances: two local hosts (two "Lambda instances") on one dynalite, /mcp's
// timeout capped at 2 s (LOCAL_FUNCTION_TIMEOUT_S). A long_demo task started on A runs past that timeout
// and is polled and fetched on B; a task cancelled from B stops its worker on A within the lease bound; a
// worker whose instance is killed leaves its task failed, never working; another subject gets the same
// answer as for an unknown task. Only AWS is absent: DynamoDB is dynalite, the workers run in the hosts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecords, type Cluster, type Instance, type Json, readSse, startCluster } from '../sessions/cluster.ts';

const MODERN = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';
const FUNCTION_TIMEOUT_S = 2;
const LEASE_MS = 1500;
/** A cancel made on another instance reaches the worker at its next lease renewal (every LEASE_MS / 3). */
const CANCEL_BOUND_MS = LEASE_MS / 3;

let c: Cluster;
let alice: string;
let mallory: string;

beforeAll(async () => {
  c = await startCluster('dynamodb', {
    LOCAL_FUNCTION_TIMEOUT_S: String(FUNCTION_TIMEOUT_S),
    TASK_LEASE_MS: String(LEASE_MS),
  });
  alice = await c.token('alice');
  mallory = await c.token('mallory');
});
afterAll(async () => {
  await c?.stop();
});

let nextId = 1;

/** One raw 2026-07-28 request; `tasks: false` leaves the extension out of the declared capabilities. */
async function rpc(
  i: Instance,
  token: string,
  method: string,
  params: Json,
  opts: { tasks?: boolean } = {},
): Promise<{ status: number; body: Json }> {
  const id = nextId++;
  const caps = opts.tasks === false ? {} : { extensions: { [TASKS]: {} } };
  const name = typeof params.name === 'string' ? params.name : params.taskId;
  const r = await fetch(i.mcp, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': caps,
        },
      },
    }),
  });
  if ((r.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const reader = readSse(r);
    await reader.ended;
    const frames = reader.events.map((e) => JSON.parse(e.data) as Json);
    return { status: r.status, body: frames.find((f) => f.id === id) ?? {} };
  }
  return { status: r.status, body: (await r.json()) as Json };
}

const start = async (i: Instance, args: Json) => {
  const r = await rpc(i, alice, 'tools/call', { name: 'long_demo', arguments: args });
  expect(r.status).toBe(200);
  expect(r.body.result?.resultType).toBe('task');
  return r.body.result as Json;
};

async function pollUntil(i: Instance, taskId: string, done: (t: Json) => boolean, timeoutMs: number): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await rpc(i, alice, 'tasks/get', { taskId });
    expect(r.body.error).toBeUndefined();
    if (done(r.body.result)) return r.body.result;
    if (Date.now() > until) throw new Error(`task ${taskId} still ${r.body.result?.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const outputOf = (i: Instance) => `${i.host.stdout()}\n${i.host.stderr()}`;

describe('tasks across instances', () => {
  it('another subject gets exactly the unknown-task answer; no extension gets -32021', async () => {
    const task = await start(c.a, { steps: 1, step_ms: 200 });
    const theirs = await rpc(c.b, mallory, 'tasks/get', { taskId: task.taskId });
    const unknown = await rpc(c.b, mallory, 'tasks/get', { taskId: '00000000-0000-4000-8000-000000000000' });
    expect(theirs.body.error?.code).toBe(-32602);
    expect({ ...theirs.body.error }).toEqual({ ...unknown.body.error });
    const cancel = await rpc(c.b, mallory, 'tasks/cancel', { taskId: task.taskId });
    expect(cancel.body.error?.code).toBe(-32602);
    const noExt = await rpc(c.b, alice, 'tasks/get', { taskId: task.taskId }, { tasks: false });
    expect(noExt.body.error?.code).toBe(-32021);
    // Without the extension the same optional tool runs inline and returns its result.
    const inline = await rpc(
      c.b,
      alice,
      'tools/call',
      { name: 'long_demo', arguments: { steps: 1, step_ms: 0 } },
      { tasks: false },
    );
    expect(inline.body.result?.resultType).toBe('complete');
    expect(inline.body.result?.taskId).toBeUndefined();
    // Mallory's attempts left the task untouched: it completes for alice.
    const done = await pollUntil(c.b, task.taskId, (t) => t.status === 'completed', 10_000);
    expect(done.result.content[0].text).toContain('finished 1 steps');
  });

  it('a task started on A runs past the /mcp timeout; B polls it and fetches its result', async () => {
    const steps = 3;
    const stepMs = 1000;
    const task = await start(c.a, { steps, step_ms: stepMs });
    // tools/call answered before the work finished: the task is still working when B first looks.
    expect(task.status).toBe('working');
    expect(Number.isInteger(task.ttlMs) && Number.isInteger(task.pollIntervalMs)).toBe(true);
    const seenWorking = await rpc(c.b, alice, 'tasks/get', { taskId: task.taskId });
    expect(seenWorking.body.result.status).toBe('working');
    expect(seenWorking.body.result.result).toBeUndefined();
    const done = await pollUntil(c.b, task.taskId, (t) => t.status !== 'working', 30_000);
    expect(done.status).toBe('completed');
    expect(done.result.content[0].text).toBe(`long_demo finished ${steps} steps of ${stepMs} ms`);
    // It outlived the capped function timeout (server clock: created → last update).
    const ran = Date.parse(done.lastUpdatedAt) - Date.parse(done.createdAt);
    expect(ran).toBeGreaterThan(FUNCTION_TIMEOUT_S * 1000);
    // Audit: created on A, result fetched on B, both with the task id and the principal.
    const created = auditRecords(c.a).find((r) => r.event === 'task_created' && r.taskId === task.taskId);
    expect(created).toMatchObject({ subject: 'alice', tool: 'long_demo', status: 'working' });
    const fetched = auditRecords(c.b).find((r) => r.event === 'task_result_fetched' && r.taskId === task.taskId);
    expect(fetched).toMatchObject({ subject: 'alice', status: 'completed' });
    const changed = [...auditRecords(c.a), ...auditRecords(c.b)].filter(
      (r) => r.event === 'task_status' && r.taskId === task.taskId,
    );
    expect(changed.map((r) => r.status)).toContain('completed');
  });

  it('a task cancelled from B stops its worker on A within the lease bound', async () => {
    const task = await start(c.a, { steps: 200, step_ms: 100 });
    await new Promise((res) => setTimeout(res, 300));
    const ack = await rpc(c.b, alice, 'tasks/cancel', { taskId: task.taskId });
    expect(ack.body.result.resultType).toBe('complete');
    expect(Object.keys(ack.body.result).sort()).toEqual(['_meta', 'resultType']);
    const cancelledAt = Date.now();
    const after = await rpc(c.b, alice, 'tasks/get', { taskId: task.taskId });
    expect(after.body.result.status).toBe('cancelled');
    const until = cancelledAt + CANCEL_BOUND_MS + 2000;
    const endedLine = () =>
      outputOf(c.a)
        .split('\n')
        .find((l) => l.includes('task run ended') && l.includes(task.taskId));
    while (!endedLine() && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    const ended = endedLine();
    expect(ended, 'the worker on A reported its run ended').toBeDefined();
    // It ended within the bound (its own clock: it ran from start until it saw the cancel).
    expect(Date.now() - cancelledAt).toBeLessThan(CANCEL_BOUND_MS + 2000);
    // Cancelling again (terminal) is the same empty ack.
    expect((await rpc(c.a, alice, 'tasks/cancel', { taskId: task.taskId })).body.result.resultType).toBe('complete');
    expect((await rpc(c.a, alice, 'tasks/get', { taskId: task.taskId })).body.result.status).toBe('cancelled');
  });

  it('a killed worker leaves its task failed, not working', async () => {
    const doomed = await c.startInstance();
    const task = await start(doomed, { steps: 200, step_ms: 100 });
    await new Promise((res) => setTimeout(res, 300));
    expect((await rpc(c.b, alice, 'tasks/get', { taskId: task.taskId })).body.result.status).toBe('working');
    doomed.host.kill();
    const failed = await pollUntil(c.b, task.taskId, (t) => t.status !== 'working', LEASE_MS + 10_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: -32603 });
    expect(failed.result).toBeUndefined();
    expect(failed.statusMessage).toBe('the worker stopped');
  });
});
