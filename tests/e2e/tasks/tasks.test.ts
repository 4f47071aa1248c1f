// Tasks (SEP-2663) across instances: two local hosts (two "Lambda instances") on one dynalite, /mcp's
// timeout capped at 2 s (LOCAL_FUNCTION_TIMEOUT_S). A long_demo task started on A runs past that timeout
// and is polled and fetched on B; a task cancelled from B stops its worker on A within the lease bound; a
// worker whose instance is killed leaves its task failed, never working; another subject gets the same
// answer as for an unknown task. Only AWS is absent: DynamoDB is dynalite, the workers run in the hosts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecords, type Cluster, type Instance, type Json, readSse, startCluster } from '../sessions/cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The chained `task` records of one task on the given instances, in chain order per instance. */
function taskRecords(taskId: string, ...on: Instance[]): Json[] {
  return on.flatMap((i) =>
    auditRecords(i).filter((r) => r.message === 'audit' && r.kind === 'task' && r.taskId === taskId),
  );
}

/** `npm run audit:verify -- <file>` over an instance's stdout so far (a real child process). */
async function auditVerify(i: Instance): Promise<{ code: number; out: string }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tasks-audit-')), 'stdout.log');
  writeFileSync(file, i.host.stdout());
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/audit-verify.ts'), file], {
      cwd: ROOT,
    });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

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

/** A 2026-07-28 subscriptions/listen stream (tool list changes requested, so the SDK keeps it open). */
async function listen(i: Instance, token: string) {
  const id = `listen-${nextId++}`;
  const controller = new AbortController();
  const r = await fetch(i.mcp, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'subscriptions/listen',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
        },
      },
    }),
  });
  expect(r.status).toBe(200);
  const reader = readSse(r, controller);
  // The SDK's acknowledgement: the stream is open and subscribed.
  await reader.next((e) => e.data.includes('notifications/subscriptions/acknowledged'), 5000);
  const taskNotes = (taskId?: string) =>
    reader.events
      .map((e) => JSON.parse(e.data) as Json)
      .filter((f) => f.method === 'notifications/tasks' && (taskId === undefined || f.params?.taskId === taskId));
  return { id, reader, taskNotes };
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
    // Audit: created on A, status changes where they happened (the worker on A), the result fetched on B;
    // every record names the task and its owner and carries neither the arguments nor the result.
    const onA = taskRecords(task.taskId, c.a);
    const onB = taskRecords(task.taskId, c.b);
    expect(onA.map((r) => `${r.taskEvent}:${r.taskStatus}`)).toEqual(['created:working', 'status:completed']);
    expect(onB.map((r) => `${r.taskEvent}:${r.taskStatus}`)).toEqual(['result_fetched:completed']);
    for (const r of [...onA, ...onB]) {
      expect(r).toMatchObject({ kind: 'task', tool: 'long_demo', principal: { sub: 'alice' }, schema: 1 });
      expect(typeof r.hash === 'string' && typeof r.seq === 'number' && typeof r.stream === 'string').toBe(true);
      expect(JSON.stringify(r)).not.toContain('long_demo finished');
      expect(r.args).toBeUndefined();
    }
    // The task records sit on the same chain as the request records of their host, and audit:verify accepts it.
    const streamOfA = auditRecords(c.a).filter((r) => r.message === 'audit' && r.stream === onA[0]!.stream);
    expect(streamOfA.some((r) => r.kind === 'request')).toBe(true);
    for (const i of [c.a, c.b]) {
      const v = await auditVerify(i);
      expect(v.out).toMatch(/ok|intact/i);
      expect(v.code).toBe(0);
    }
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
    // Audit: created on A, cancelled on B (where tasks/cancel changed it); no result is fetched of a cancelled task.
    expect(taskRecords(task.taskId, c.a).map((r) => `${r.taskEvent}:${r.taskStatus}`)).toEqual(['created:working']);
    const onB = taskRecords(task.taskId, c.b);
    expect(onB.map((r) => `${r.taskEvent}:${r.taskStatus}`)).toEqual(['status:cancelled']);
    expect(onB[0]).toMatchObject({ principal: { sub: 'alice' }, outcome: 'aborted', tool: 'long_demo' });
    for (const i of [c.a, c.b]) expect((await auditVerify(i)).code).toBe(0);
  });

  it('status notifications reach the owner listening on another instance, and no other subject', async () => {
    // A listen stream lives at most the /mcp function's timeout (then the client listens again): these two
    // instances share the cluster's DynamoDB without the 2 s cap.
    const n = {
      a: await c.startInstance({ LOCAL_FUNCTION_TIMEOUT_S: '900' }),
      b: await c.startInstance({ LOCAL_FUNCTION_TIMEOUT_S: '900' }),
    };
    // Hostile listeners first: mallory on A (the worker's own instance) and on B; then alice on B.
    const malloryA = await listen(n.a, mallory);
    const malloryB = await listen(n.b, mallory);
    const aliceB = await listen(n.b, alice);
    try {
      const done = await start(n.a, { steps: 2, step_ms: 500 });
      const cancelled = await start(n.a, { steps: 200, step_ms: 100 });
      await new Promise((res) => setTimeout(res, 200));
      await rpc(n.a, alice, 'tasks/cancel', { taskId: cancelled.taskId });
      // alice on B hears both tasks end: the worker on A completed one, a request on A cancelled the other.
      await aliceB.reader.next((e) => e.data.includes(done.taskId) && e.data.includes('"completed"'), 15_000);
      await aliceB.reader.next((e) => e.data.includes(cancelled.taskId) && e.data.includes('"cancelled"'), 5_000);
      const completedNote = aliceB.taskNotes(done.taskId);
      expect(completedNote.map((n) => n.params.status)).toEqual(['completed']);
      expect(completedNote[0]).toMatchObject({
        jsonrpc: '2.0',
        params: { taskId: done.taskId, _meta: { 'io.modelcontextprotocol/subscriptionId': aliceB.id } },
      });
      expect(completedNote[0]!.params.result).toBeUndefined();
      expect(aliceB.taskNotes(cancelled.taskId).map((n) => n.params.status)).toEqual(['cancelled']);
      // Give any stray delivery time to arrive (events to alice were already delivered on B), then: none.
      await new Promise((res) => setTimeout(res, 500));
      expect(malloryA.taskNotes()).toEqual([]);
      expect(malloryB.taskNotes()).toEqual([]);
      expect(JSON.stringify([...malloryA.reader.events, ...malloryB.reader.events])).not.toContain(done.taskId);
    } finally {
      for (const l of [malloryA, malloryB, aliceB]) l.reader.close();
    }
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
