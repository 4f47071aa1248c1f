// Task status notifications (SEP-2663 `notifications/tasks`) on `subscriptions/listen` streams (2026-07-28),
// wherever the task runs, to its owner only.
//
// Why not the SDK's listen router: its ServerEvent union has four kinds (list changes, resource updated),
// its notification mapping has no case for anything else, and it filters by the listen filter, never by the
// caller, so a status event on its bus would reach every listener of every subject. Instead the SDK keeps
// serving the stream (ack, filter, keep-alive, graceful close) and we merge our owner-filtered frames into
// its body. Events cross instances on their own message channel (TASK_CHANNEL), like StoreEventBus does for
// list changes; the owner travels with each event and is checked where the listener is.
import { SUBSCRIPTION_ID_META_KEY } from '@modelcontextprotocol/server';
import type { MessageStore } from '../../store/index.ts';
import type { TaskRecord } from '../../tasks/index.ts';
import type { ToolPrincipal } from '../../tools/index.ts';
import { ChannelFanout } from '../channel-fanout.ts';

/** The message channel task status events are shared on. */
export const TASK_CHANNEL = 'task-events';

/** The notification's method, as the conformance suite 0.2.0-alpha.12 names it for SEP-2663. */
export const TASK_NOTIFICATION = 'notifications/tasks';

/** One status change, as it travels between instances: the owner and the wire params, never the result. */
export interface TaskStatusEvent {
  ownerSubject: string;
  ownerClient: string | undefined;
  params: Record<string, unknown>;
}

/**
 * Pure: the event for a record. The params carry the task's fields (taskId, status, statusMessage, times);
 * the result or error is not inlined (the spec allows either): the client fetches it with tasks/get, which
 * is owner-checked and audited as the result's fetch, and results never enter the shared message channel.
 */
export function taskStatusEvent(r: TaskRecord): TaskStatusEvent {
  return {
    ownerSubject: r.ownerSubject,
    ownerClient: r.ownerClient,
    params: {
      taskId: r.taskId,
      status: r.status,
      ...(r.statusMessage ? { statusMessage: r.statusMessage } : {}),
      createdAt: new Date(r.createdAt).toISOString(),
      lastUpdatedAt: new Date(r.updatedAt).toISOString(),
      ttlMs: r.ttlMs,
    },
  };
}

/** Pure: the listener's principal owns the event's task (same subject; same client when both are known). */
export function ownsEvent(principal: ToolPrincipal, e: TaskStatusEvent): boolean {
  if (typeof e?.ownerSubject !== 'string' || principal.subject !== e.ownerSubject) return false;
  return e.ownerClient === undefined || principal.clientId === undefined || e.ownerClient === principal.clientId;
}

/** Status events shared across instances through the message store; listeners are per owner. */
export class TaskStatusBus {
  private readonly fanout: ChannelFanout<TaskStatusEvent>;

  constructor(messages: MessageStore, channel = TASK_CHANNEL) {
    this.fanout = new ChannelFanout(messages, channel, 'task status event');
  }

  /** Local listeners at once; other instances through the store (awaitable, so a worker can wait for it). */
  publish(r: TaskRecord): Promise<void> {
    return this.fanout.publish(taskStatusEvent(r));
  }

  /** Events of `principal`'s tasks only, until the returned function is called. */
  subscribe(principal: ToolPrincipal, deliver: (e: TaskStatusEvent) => void): () => void {
    return this.fanout.subscribe((event) => {
      if (ownsEvent(principal, event)) deliver(event);
    });
  }
}

/**
 * The SDK's `subscriptions/listen` response with the owner's task status notifications merged in, stamped
 * with the subscription id (the listen request's id). The SDK writes whole SSE frames per chunk, so frames
 * never interleave; when its stream ends (graceful close) or the client goes, our subscription ends too.
 */
export function withTaskNotifications(
  response: Response,
  bus: TaskStatusBus,
  principal: ToolPrincipal,
  subscriptionId: string | number,
): Response {
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  const reader = response.body.getReader();
  const encoder = new TextEncoder();
  let unsubscribe: (() => void) | undefined;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      unsubscribe = bus.subscribe(principal, (e) => {
        if (closed) return;
        const params = { ...e.params, _meta: { [SUBSCRIPTION_ID_META_KEY]: subscriptionId } };
        const frame = JSON.stringify({ jsonrpc: '2.0', method: TASK_NOTIFICATION, params });
        controller.enqueue(encoder.encode(`event: message\ndata: ${frame}\n\n`));
      });
      void (async () => {
        try {
          for (;;) {
            const next = await reader.read();
            if (next.done) break;
            if (!closed) controller.enqueue(next.value);
          }
          if (!closed) controller.close();
        } catch (err) {
          if (!closed) controller.error(err);
        } finally {
          closed = true;
          unsubscribe?.();
        }
      })();
    },
    cancel(reason) {
      closed = true;
      unsubscribe?.();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
