// Task status notifications: owner-only delivery (hostile cases first), across two buses sharing one message
// store (two instances), never the result, and the merge into an SSE listen stream with the subscription id.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.ts';
import {
  ownsEvent,
  TaskStatusBus,
  type TaskStatusEvent,
  taskStatusEvent,
  withTaskNotifications,
} from '../../../lib/mcp/tasks/index.ts';
import { createMemoryStores } from '../../../lib/store/index.ts';
import type { TaskRecord } from '../../../lib/tasks/index.ts';

const alice = { subject: 'alice', clientId: 'app', scopes: [] };
const record = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  taskId: 't1',
  ownerSubject: 'alice',
  ownerClient: 'app',
  ownerScopes: [],
  tool: 'long_demo',
  args: { secret: 'argument' },
  status: 'completed',
  createdAt: 1000,
  updatedAt: 2000,
  ttlMs: 60_000,
  answers: {},
  checkpoints: {},
  leaseUntil: 0,
  version: 3,
  result: { content: [{ type: 'text', text: 'the result' }] },
  ...over,
});

describe('ownsEvent', () => {
  it('refuses another subject, another client of the same subject, and malformed or prototype-named owners', () => {
    const e = taskStatusEvent(record());
    expect(ownsEvent({ ...alice, subject: 'mallory' }, e)).toBe(false);
    expect(ownsEvent({ ...alice, clientId: 'other-app' }, e)).toBe(false);
    expect(ownsEvent({ ...alice, subject: '__proto__' }, { ...e, ownerSubject: '__proto__' } as TaskStatusEvent)).toBe(
      true,
    );
    expect(ownsEvent({ ...alice, subject: 'constructor' }, e)).toBe(false);
    expect(ownsEvent(alice, { params: {} } as unknown as TaskStatusEvent)).toBe(false);
    expect(ownsEvent(alice, undefined as unknown as TaskStatusEvent)).toBe(false);
    expect(ownsEvent(alice, e)).toBe(true);
    expect(ownsEvent({ ...alice, clientId: undefined }, e)).toBe(true);
  });

  it('the event carries the task fields, never its arguments or result', () => {
    const e = taskStatusEvent(record({ statusMessage: 'done' }));
    expect(e.params).toEqual({
      taskId: 't1',
      status: 'completed',
      statusMessage: 'done',
      createdAt: new Date(1000).toISOString(),
      lastUpdatedAt: new Date(2000).toISOString(),
      ttlMs: 60_000,
    });
    expect(JSON.stringify(e)).not.toMatch(/the result|argument/);
  });
});

describe('TaskStatusBus across two instances (one message store)', () => {
  it("a listener on B gets the owner's events published on A; another subject's listener gets none", async () => {
    const { messages } = createMemoryStores(loadConfig({ AUTH_DISABLED: 'true' }));
    const a = new TaskStatusBus(messages);
    const b = new TaskStatusBus(messages);
    const mallory: TaskStatusEvent[] = [];
    const got: TaskStatusEvent[] = [];
    const offM = b.subscribe({ ...alice, subject: 'mallory' }, (e) => mallory.push(e));
    const offA = b.subscribe(alice, (e) => got.push(e));
    await new Promise((r) => setTimeout(r, 50)); // B's pump stands at the channel head
    await a.publish(record({ status: 'working' }));
    await a.publish(record({ status: 'completed' }));
    await expect.poll(() => got.map((e) => e.params.status), { timeout: 3000 }).toEqual(['working', 'completed']);
    await new Promise((r) => setTimeout(r, 100));
    expect(mallory).toEqual([]);
    offA();
    offM();
  });
});

describe('withTaskNotifications', () => {
  it('merges the owner notifications, stamped with the subscription id, and ends with the SDK stream', async () => {
    const { messages } = createMemoryStores(loadConfig({ AUTH_DISABLED: 'true' }));
    const bus = new TaskStatusBus(messages);
    let sdk!: ReadableStreamDefaultController<Uint8Array>;
    const sdkBody = new ReadableStream<Uint8Array>({
      start(c) {
        sdk = c;
      },
    });
    const merged = withTaskNotifications(
      new Response(sdkBody, { headers: { 'content-type': 'text/event-stream' } }),
      bus,
      alice,
      'sub-1',
    );
    const text = merged.text();
    sdk.enqueue(new TextEncoder().encode('event: message\ndata: {"method":"ack"}\n\n'));
    await new Promise((r) => setTimeout(r, 10));
    await bus.publish(record({ ownerSubject: 'mallory' }));
    await bus.publish(record());
    sdk.close();
    const frames = (await text).split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    const note = JSON.parse(frames[1]!.replace('event: message\ndata: ', ''));
    expect(note).toMatchObject({
      jsonrpc: '2.0',
      method: 'notifications/tasks',
      params: { taskId: 't1', status: 'completed', _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' } },
    });
    // After the SDK stream ended, the subscription is gone: a late event is not written anywhere.
    await bus.publish(record({ status: 'failed' }));
  });

  it('leaves a JSON (error) answer alone', async () => {
    const { messages } = createMemoryStores(loadConfig({ AUTH_DISABLED: 'true' }));
    const r = Response.json({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'x' } });
    expect(withTaskNotifications(r, new TaskStatusBus(messages), alice, 1)).toBe(r);
  });
});
