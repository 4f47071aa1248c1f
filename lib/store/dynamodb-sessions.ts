// The SessionStore on the Sessions table (see dynamodb-tables.ts for its shape). Capabilities and
// client info are stored as JSON strings, so they round-trip exactly whatever keys the client sent.

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errorName, type StoreDynamo, storeCall } from './dynamodb-client.ts';
import { SessionExistsError } from './errors.ts';
import { epochSec, isLive, type ResolvedStoreOptions } from './options.ts';
import type { SessionRecord, SessionStore } from './types.ts';

function toItem(r: SessionRecord): Record<string, unknown> {
  return {
    ...r,
    clientCapabilities: JSON.stringify(r.clientCapabilities ?? {}),
    clientInfo: r.clientInfo === undefined ? undefined : JSON.stringify(r.clientInfo),
  };
}

function fromItem(item: Record<string, unknown> | undefined, nowMs: number): SessionRecord | undefined {
  if (!item || !isLive(Number(item.expiresAt), nowMs)) return undefined;
  return {
    id: String(item.id),
    subject: String(item.subject),
    clientId: typeof item.clientId === 'string' ? item.clientId : undefined,
    protocolVersion: String(item.protocolVersion),
    clientCapabilities: JSON.parse(String(item.clientCapabilities ?? '{}')) as Record<string, unknown>,
    clientInfo:
      typeof item.clientInfo === 'string' ? (JSON.parse(item.clientInfo) as Record<string, unknown>) : undefined,
    createdAt: Number(item.createdAt),
    lastSeenAt: Number(item.lastSeenAt),
    expiresAt: Number(item.expiresAt),
  };
}

export function createDynamoSessionStore(d: StoreDynamo, table: string, o: ResolvedStoreOptions): SessionStore {
  return {
    async create(session) {
      const now = o.now();
      const record: SessionRecord = {
        id: session.id,
        subject: session.subject,
        clientId: session.clientId,
        protocolVersion: session.protocolVersion,
        clientCapabilities: session.clientCapabilities,
        clientInfo: session.clientInfo,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: epochSec(now) + o.sessionTtlSec,
      };
      try {
        await storeCall(d, 'create session', (abortSignal) =>
          d.doc.send(
            new PutCommand({ TableName: table, Item: toItem(record), ConditionExpression: 'attribute_not_exists(id)' }),
            { abortSignal },
          ),
        );
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') throw new SessionExistsError();
        throw err;
      }
      return record;
    },
    async get(id) {
      const out = await storeCall(d, 'read session', (abortSignal) =>
        d.doc.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }), { abortSignal }),
      );
      return fromItem(out.Item, o.now());
    },
    async touch(id) {
      const now = o.now();
      try {
        const out = await storeCall(d, 'touch session', (abortSignal) =>
          d.doc.send(
            new UpdateCommand({
              TableName: table,
              Key: { id },
              // Only a live record is extended: an expired one must stay dead even before the sweeper runs.
              ConditionExpression: 'attribute_exists(id) AND expiresAt > :nowSec',
              UpdateExpression: 'SET lastSeenAt = :now, expiresAt = :exp',
              ExpressionAttributeValues: {
                ':now': now,
                ':exp': epochSec(now) + o.sessionTtlSec,
                ':nowSec': epochSec(now),
              },
              ReturnValues: 'ALL_NEW',
            }),
            { abortSignal },
          ),
        );
        return fromItem(out.Attributes, now);
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') return undefined;
        throw err;
      }
    },
    async delete(id) {
      const out = await storeCall(d, 'delete session', (abortSignal) =>
        d.doc.send(new DeleteCommand({ TableName: table, Key: { id }, ReturnValues: 'ALL_OLD' }), { abortSignal }),
      );
      return fromItem(out.Attributes, o.now()) !== undefined;
    },
  };
}
