// The DynamoDB side of the audit log: the sink, the table it needs, and queries by principal and time.
// Kept apart from sinks.ts so that only instances with AUDIT_SINK=dynamodb load the AWS SDK. The client
// and the ensure-table routine are the store room's (one set of timeouts and credential rules).
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.ts';
import { type DynamoClientOptions, ensureTable, type TableSpec } from '../store/index.ts';
import { auditItem, BY_DAY_INDEX, principalKey, recordFromItem } from './item.ts';
import type { AuditRecord, AuditSink } from './record.ts';

/** PutItem per record (item shape: auditItem). */
export function dynamoDbSink(opts: { doc: DynamoDBDocumentClient; table: string; ttlDays: number }): AuditSink {
  return {
    name: 'dynamodb',
    async write(record) {
      await opts.doc.send(new PutCommand({ TableName: opts.table, Item: auditItem(record, opts.ttlDays) }));
    },
  };
}

/** The audit table: by principal and time, a by-day index, TTL on `ttl`. template.yaml declares the same. */
function auditTableSpec(table: string): TableSpec {
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: BY_DAY_INDEX,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    ttlAttribute: 'ttl',
  };
}

/** Creates the audit table when missing (local hosts, tests). Deployments declare it in template.yaml. */
export function ensureAuditTable(cfg: Config, options?: DynamoClientOptions): Promise<'created' | 'existed'> {
  return ensureTable(cfg.store, auditTableSpec(cfg.audit.table), options);
}

/** Records of one principal between two ISO timestamps (inclusive), oldest first. */
export async function queryAuditByPrincipal(
  doc: DynamoDBDocumentClient,
  table: string,
  sub: string,
  range: { from: string; to: string },
): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        // '~' sorts after every character used in the sk suffix, so `to` is inclusive of that instant.
        ExpressionAttributeValues: { ':pk': principalKey(sub), ':from': range.from, ':to': `${range.to}~` },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) out.push(recordFromItem(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
