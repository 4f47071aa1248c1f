// The DynamoDB item shape of an audit record (pure): keys queryable by principal and time, a by-day
// index, and the TTL attribute. Shared by the sink (dynamodb.ts) and audit:verify, without the AWS SDK.
//   pk = "sub#<principal.sub>" ("sub#-" without a principal, e.g. 401s)
//   sk = "<timestamp>#<function_request_id>#<seq>" (ISO time sorts lexically; unique per record)
//   gsi1pk = "day#<YYYY-MM-DD>", gsi1sk = sk (index "byDay": everything in a time window)
//   ttl = epoch seconds of timestamp + AUDIT_TTL_DAYS
import type { AuditRecord } from './record.ts';

/** Attributes an item has on top of the record's own fields. */
export const ITEM_KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl'] as const;
/** The global secondary index by day (gsi1pk, gsi1sk). */
export const BY_DAY_INDEX = 'byDay';

/** The partition key of a principal's records. */
export function principalKey(sub: string | undefined): string {
  return `sub#${sub ?? '-'}`;
}

/** The item a record is stored as. */
export function auditItem(record: AuditRecord, ttlDays: number): Record<string, unknown> {
  const sk = `${record.timestamp}#${record.function_request_id}#${record.seq}`;
  return {
    ...record,
    pk: principalKey(record.principal?.sub),
    sk,
    gsi1pk: `day#${record.timestamp.slice(0, 10)}`,
    gsi1sk: sk,
    ttl: Math.floor(Date.parse(record.timestamp) / 1000) + ttlDays * 86_400,
  };
}

/** The record an item holds (its key attributes dropped). */
export function recordFromItem(item: Record<string, unknown>): AuditRecord {
  const out: Record<string, unknown> = { ...item };
  for (const k of ITEM_KEY_ATTRIBUTES) delete out[k];
  return out as unknown as AuditRecord;
}
