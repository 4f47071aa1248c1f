// The DynamoDB side of the audit log: the sink, the table it needs, and queries by principal and time.
// Kept apart from sinks.ts so that only instances with AUDIT_SINK=dynamodb load the AWS SDK.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config.ts';
import { auditItem, BY_DAY_INDEX, principalKey, recordFromItem } from './item.ts';
import type { AuditRecord, AuditSink } from './record.ts';

export function dynamoDbSink(opts: { doc: DynamoDBDocumentClient; table: string; ttlDays: number }): AuditSink {
  return {
    name: 'dynamodb',
    async write(record) {
      await opts.doc.send(new PutCommand({ TableName: opts.table, Item: auditItem(record, opts.ttlDays) }));
    },
  };
}

/**
 * A DynamoDB client for the configured endpoint. Local emulators (DYNAMODB_ENDPOINT set) accept any
 * credentials, so static dummy ones are used there instead of the AWS credential chain.
 */
export function documentClientFor(store: StoreConfig): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    region: store.region,
    ...(store.dynamodbEndpoint
      ? { endpoint: store.dynamodbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}

/** Creates the audit table when missing (local hosts, tests). Deployments declare it in template.yaml. */
export async function ensureAuditTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err;
    try {
      await client.send(
        new CreateTableCommand({
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
        }),
      );
    } catch (createErr) {
      // Another local host may have created it concurrently.
      if ((createErr as Error).name !== 'ResourceInUseException') throw createErr;
    }
  }
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch {
    // dynalite has no UpdateTimeToLive and a second enable is a ValidationException: TTL is best effort locally.
  }
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
