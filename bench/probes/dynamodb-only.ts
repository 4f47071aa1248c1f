// Investigation probe: the AWS SDK DynamoDB clients alone, as lib/store and lib/audit import them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }));
export async function handler(_request: Request): Promise<Response> {
  return new Response(null, { status: client ? 401 : 500 });
}
