// The DynamoDB document client for the stores, tuned to fail fast: a dead endpoint must become a
// StoreUnavailableError (-> 503) within ~2.5 s, not after the SDK's default retries and socket waits.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoreConfig } from '../config.ts';
import { StoreUnavailableError } from './errors.ts';

export interface DynamoClientOptions {
  /** Static credentials; by default the SDK chain, or dummy ones for a loopback endpoint without AWS_ACCESS_KEY_ID. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-attempt connect and request timeout (ms). Default 1000. */
  attemptTimeoutMs?: number;
  /** Upper bound for one store operation including retries (ms). Default 2500. */
  operationTimeoutMs?: number;
  /** SDK attempts per call. Default 2. */
  maxAttempts?: number;
  /** Environment to read AWS_ACCESS_KEY_ID from (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface StoreDynamo {
  doc: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  operationTimeoutMs: number;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Pure: whether to use dummy credentials (local emulators accept any; the SDK chain would probe IMDS for seconds). */
export function wantsDummyCredentials(endpoint: string | undefined, env: Record<string, string | undefined>): boolean {
  if (!endpoint || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return false;
  return LOOPBACK.has(new URL(endpoint).hostname);
}

/** The DynamoDB client (document and raw) with the fail-fast settings above. */
export function createDynamo(store: StoreConfig, options: DynamoClientOptions = {}): StoreDynamo {
  const attempt = options.attemptTimeoutMs ?? 1000;
  const credentials =
    options.credentials ??
    (wantsDummyCredentials(store.dynamodbEndpoint, options.env ?? process.env)
      ? { accessKeyId: 'local', secretAccessKey: 'local' }
      : undefined);
  const raw = new DynamoDBClient({
    region: store.region,
    ...(store.dynamodbEndpoint ? { endpoint: store.dynamodbEndpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: { connectionTimeout: attempt, requestTimeout: attempt, throwOnRequestTimeout: true },
  });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { doc, raw, operationTimeoutMs: options.operationTimeoutMs ?? 2500 };
}

/** Errors that mean "your request was understood and refused": the caller handles or rethrows them as they are. */
const PASS_THROUGH = new Set([
  'ConditionalCheckFailedException',
  'TransactionCanceledException',
  'ValidationException',
  'SerializationException',
]);

/** The `name` of an error-like value, or ''. */
export function errorName(err: unknown): string {
  return (err as { name?: unknown })?.name === undefined ? '' : String((err as { name: unknown }).name);
}

/**
 * Errors our own code raises before or after the call (a bug, or a value the marshaller cannot take):
 * they say nothing about the store and must not look like an outage. Network failures carry a `code`,
 * service errors `$metadata`.
 */
export function isProgrammingError(err: unknown): boolean {
  if (err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError) return true;
  return err instanceof TypeError && (err as { code?: unknown }).code === undefined && !('$metadata' in err);
}

/**
 * Runs one DynamoDB call with the operation deadline; infrastructure failures become
 * StoreUnavailableError, refusals (a failed condition...) and our own bugs propagate as they are.
 */
export async function storeCall<T>(
  d: StoreDynamo,
  what: string,
  fn: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await fn(AbortSignal.timeout(d.operationTimeoutMs));
  } catch (err) {
    const name = errorName(err);
    if (PASS_THROUGH.has(name) || isProgrammingError(err)) throw err;
    if (name === 'ResourceNotFoundException') {
      throw new StoreUnavailableError(`Store unavailable: table missing for ${what}`, { cause: err });
    }
    throw new StoreUnavailableError(`Store unavailable: ${what} failed (${name || 'error'})`, { cause: err });
  }
}
