// The SessionStore on the Sessions table (see dynamodb-tables.ts for its shape). Capabilities and
// client info are stored as JSON strings, so they round-trip exactly whatever keys the client sent.

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errorName, type StoreDynamo, storeCall } from './dynamodb-client.ts';
import { SessionExistsError } from './errors.ts';
import { epochSec, isLive, type ResolvedStoreOptions } from './options.ts';
import type { SessionPatch, SessionRecord, SessionStore } from './types.ts';

const json = (v: Record<string, unknown> | undefined) => (v === undefined ? undefined : JSON.stringify(v));

function toItem(r: SessionRecord): Record<string, unknown> {
  return { ...r, clientCapabilities: json(r.clientCapabilities ?? {}), clientInfo: json(r.clientInfo) };
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
    // Records from before the field existed were all created by an initialize.
    initialized: item.initialized !== false,
    ...(typeof item.logLevel === 'string' ? { logLevel: item.logLevel } : {}),
    createdAt: Number(item.createdAt),
    lastSeenAt: Number(item.lastSeenAt),
    expiresAt: Number(item.expiresAt),
  };
}

/** The patch as item attributes: each set field becomes `SET name = :name`. */
function patchAttributes(patch: SessionPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (patch.protocolVersion !== undefined) out.protocolVersion = patch.protocolVersion;
  if (patch.clientCapabilities !== undefined) out.clientCapabilities = json(patch.clientCapabilities);
  if (patch.clientInfo !== undefined) out.clientInfo = json(patch.clientInfo);
  if (patch.initialized !== undefined) out.initialized = patch.initialized;
  if (patch.logLevel !== undefined) out.logLevel = patch.logLevel;
  return out;
}

/** The SessionStore on the Sessions table. */
export function createDynamoSessionStore(d: StoreDynamo, table: string, o: ResolvedStoreOptions): SessionStore {
  /** Extends a live record and applies `patch`: an expired one must stay dead even before the sweeper runs. */
  async function extend(id: string, patch: SessionPatch): Promise<SessionRecord | undefined> {
    const now = o.now();
    const sets = ['lastSeenAt = :now', 'expiresAt = :exp'];
    const values: Record<string, unknown> = { ':now': now, ':exp': epochSec(now) + o.sessionTtlSec };
    for (const [k, v] of Object.entries(patchAttributes(patch))) {
      sets.push(`${k} = :${k}`);
      values[`:${k}`] = v;
    }
    try {
      const out = await storeCall(d, 'update session', (abortSignal) =>
        d.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id },
            ConditionExpression: 'attribute_exists(id) AND expiresAt > :nowSec',
            UpdateExpression: `SET ${sets.join(', ')}`,
            ExpressionAttributeValues: { ...values, ':nowSec': epochSec(now) },
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
  }

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
        initialized: session.initialized,
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
    touch: (id) => extend(id, {}),
    update: (id, patch) => extend(id, patch),
    async delete(id) {
      const out = await storeCall(d, 'delete session', (abortSignal) =>
        d.doc.send(new DeleteCommand({ TableName: table, Key: { id }, ReturnValues: 'ALL_OLD' }), { abortSignal }),
      );
      return fromItem(out.Attributes, o.now()) !== undefined;
    },
  };
}
