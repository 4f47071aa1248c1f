// The DynamoDB item shape of an audit record (pure): keys queryable by principal and time, a by-day
// index, and the TTL attribute. Shared by the sink (dynamodb.ts) and audit:verify, without the AWS SDK.
import type { AuditRecord } from './record.ts';

export const ITEM_KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl'] as const;
export const BY_DAY_INDEX = 'byDay';

export function principalKey(sub: string | undefined): string {
  return `sub#${sub ?? '-'}`;
}

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

export function recordFromItem(item: Record<string, unknown>): AuditRecord {
  const out: Record<string, unknown> = { ...item };
  for (const k of ITEM_KEY_ATTRIBUTES) delete out[k];
  return out as unknown as AuditRecord;
}
