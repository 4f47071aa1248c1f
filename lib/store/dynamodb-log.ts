// An AppendLog on a DynamoDB table keyed (hashKey, seq).
//
// Ordering guarantee: an append writes seq = last + 1 with `attribute_not_exists` as condition. When two
// instances race for the same seq, exactly one wins; the loser re-reads the newest seq (strongly
// consistent) and tries the next one. Hence seq n+1 is only ever written after n exists, and every
// reader uses strongly consistent reads, so a reader that has seen up to n can never later find a missing
// entry below n: replay from any cursor returns every entry once, in order. (Time-based ids such as
// ULIDs cannot promise this: a slow writer can commit an id below a cursor a reader has already passed.)
//
// Bodies above `inlineMaxBytes` are split into chunk items under '#blob#<uuid>' that are written first;
// the log item that points at them is written last, so readers never see half a body.

import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errorName, type StoreDynamo, storeCall } from './dynamodb-client.ts';
import { StoreContentionError } from './errors.ts';
import { epochSec, isLive, type ResolvedStoreOptions } from './options.ts';
import type { AppendLog, LogEntry, LogRead } from './types.ts';
import { pollSchedule, waitLoop } from './wait.ts';

/** A DynamoDB LastEvaluatedKey: where the next page of a query starts. */
type Page = Record<string, unknown>;

import { createWakers } from './wakers.ts';

export interface DynamoLogOptions {
  /** Bodies up to this many UTF-8 bytes are stored inline (item limit is 400 KB). Default 350 000. */
  inlineMaxBytes?: number;
  /** Size of one chunk item's data. Default 300 000. */
  chunkBytes?: number;
  /** Attempts per append when instances race for the same seq. Default 25. */
  maxAppendAttempts?: number;
}

interface LogItem {
  seq: number;
  body?: string;
  blob?: string;
  chunks?: number;
  expiresAt: number;
}

const MAX_HINTS = 10_000;

/** An AppendLog on one DynamoDB table keyed (hashKey, seq). */
export function createDynamoAppendLog(
  d: StoreDynamo,
  table: string,
  hashKey: string,
  o: ResolvedStoreOptions,
  options: DynamoLogOptions = {},
): AppendLog {
  const inlineMax = options.inlineMaxBytes ?? 350_000;
  const chunkBytes = options.chunkBytes ?? 300_000;
  const maxAttempts = options.maxAppendAttempts ?? 25;
  // Last seq this instance wrote or saw per key: saves the head read on the hot path; a stale hint only costs a retry.
  const hints = new Map<string, number>();
  // Waiters in this process wake at once on local appends; other instances are reached by polling.
  const local = createWakers();
  const schedule = pollSchedule(o.pollIntervalMs, o.maxPollIntervalMs);

  const hint = (key: string, seq: number) => {
    if (hints.size >= MAX_HINTS && !hints.has(key)) hints.clear();
    if (seq > (hints.get(key) ?? 0)) hints.set(key, seq);
  };

  /** One page of the items under `key` (after `seq` when given). */
  const query = (
    what: string,
    key: string,
    opts: { seq?: number; consistent: boolean; start?: Page; newest?: boolean },
  ) =>
    storeCall(d, what, (abortSignal) =>
      d.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: opts.seq === undefined ? '#k = :k' : '#k = :k AND seq > :s',
          ExpressionAttributeNames: { '#k': hashKey },
          ExpressionAttributeValues: opts.seq === undefined ? { ':k': key } : { ':k': key, ':s': opts.seq },
          ConsistentRead: opts.consistent,
          ExclusiveStartKey: opts.start,
          ...(opts.newest ? { ProjectionExpression: 'seq', ScanIndexForward: false, Limit: 1 } : {}),
        }),
        { abortSignal },
      ),
    );

  const head = async (key: string): Promise<number> => {
    const out = await query(`read head of ${table}`, key, { consistent: true, newest: true });
    const seq = Number(out.Items?.[0]?.seq ?? 0);
    hint(key, seq);
    return seq;
  };

  const writeChunks = async (body: string, expiresAt: number): Promise<{ blob: string; chunks: number }> => {
    const bytes = Buffer.from(body, 'utf8');
    const blob = `#blob#${randomUUID()}`;
    const items = [];
    for (let i = 0, n = 1; i < bytes.length; i += chunkBytes, n++) {
      items.push({ [hashKey]: blob, seq: n, data: bytes.subarray(i, i + chunkBytes), expiresAt });
    }
    // BatchWrite takes 25 items / 16 MB per call; retry whatever DynamoDB leaves unprocessed.
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let tries = 0; requests.length > 0; tries++) {
        if (tries > 5) throw new StoreContentionError(`${table} chunks`, tries);
        const out = await storeCall(d, `write chunks to ${table}`, (abortSignal) =>
          d.doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }), { abortSignal }),
        );
        requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
    return { blob, chunks: items.length };
  };

  const readChunks = async (blob: string): Promise<string> => {
    const parts: Uint8Array[] = [];
    let start: Page | undefined;
    do {
      const out = await query(`read chunks from ${table}`, blob, { consistent: true, start });
      for (const item of out.Items ?? []) parts.push(item.data as Uint8Array);
      start = out.LastEvaluatedKey;
    } while (start);
    return Buffer.concat(parts).toString('utf8');
  };

  const read = async (key: string, seq: number, consistent: boolean): Promise<LogRead> => {
    const items: LogItem[] = [];
    let start: Page | undefined;
    do {
      const out = await query(`read ${table}`, key, { seq, consistent, start });
      items.push(...((out.Items ?? []) as LogItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
    const now = o.now();
    const entries: LogEntry[] = [];
    let last = seq;
    for (const item of items) {
      last = Math.max(last, Number(item.seq));
      if (!isLive(Number(item.expiresAt), now)) continue;
      const body = item.body ?? (item.blob ? await readChunks(item.blob) : undefined);
      if (body !== undefined) entries.push({ seq: Number(item.seq), body });
    }
    if (last > seq) hint(key, last);
    return { entries, last };
  };

  return {
    async append(key, body) {
      const now = o.now();
      const expiresAt = epochSec(now) + o.logTtlSec;
      const payload = Buffer.byteLength(body, 'utf8') > inlineMax ? await writeChunks(body, expiresAt) : { body };
      let seq = (hints.get(key) ?? (await head(key))) + 1;
      for (let attempt = 1; ; attempt++) {
        try {
          await storeCall(d, `append to ${table}`, (abortSignal) =>
            d.doc.send(
              new PutCommand({
                TableName: table,
                Item: { [hashKey]: key, seq, ...payload, createdAt: now, expiresAt },
                ConditionExpression: 'attribute_not_exists(#k)',
                ExpressionAttributeNames: { '#k': hashKey },
              }),
              { abortSignal },
            ),
          );
          hint(key, seq);
          local.wake(key);
          return seq;
        } catch (err) {
          if (errorName(err) !== 'ConditionalCheckFailedException') throw err;
          if (attempt >= maxAttempts) throw new StoreContentionError(`${table}/${key}`, attempt);
          // seq is taken, so the head is at least seq: the next try is always further on.
          seq = Math.max(seq, await head(key)) + 1;
        }
      }
    },
    after(key, seq) {
      return read(key, seq, true);
    },
    wait(key, seq, options) {
      return waitLoop(
        {
          // Idle polls read eventually consistent (half the cost); a hit is re-read consistently
          // so the batch is complete and ordered per the guarantee above.
          check: async () => {
            const peek = await read(key, seq, false);
            return peek.entries.length > 0 ? read(key, seq, true) : peek;
          },
          found: (r) => r.entries.length > 0,
          subscribe: (wake) => local.subscribe(key, wake),
          schedule,
        },
        options,
      );
    },
    head,
  };
}
