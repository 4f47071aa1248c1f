// One Secrets Manager secret's string, read with the AWS SDK v3 (GetSecretValue). The SDK is imported here and
// only when a secret is read, so no function pays for it at init unless it reads one. Used by the registration
// façade (its signing key) and by the MCP functions (the requestState keys). Callers cache the result per instance.
//
//   readSecretString(secretId, timeoutMs) -> Promise<string>   throws SecretReadError

/** The secret could not be read (missing, access denied, timeout, no string value). Never carries the value. */
export class SecretReadError extends Error {
  readonly code = 'secret_unreadable';
  readonly secretId: string;
  constructor(secretId: string, problem: string) {
    super(`cannot read the Secrets Manager secret ${secretId}: ${problem}`);
    this.name = 'SecretReadError';
    this.secretId = secretId;
  }
}

/**
 * The SecretString of `secretId` (name or ARN). The whole call, retries included, is bounded by `timeoutMs`:
 * keep it shorter than the function timeout. The SDK's own error names the reason (AccessDeniedException,
 * ResourceNotFoundException, TimeoutError); AWS error messages name the secret, never its value.
 */
export async function readSecretString(secretId: string, timeoutMs: number): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ maxAttempts: 2 });
  try {
    const out = await client
      .send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: AbortSignal.timeout(timeoutMs) })
      .catch((err: Error) => {
        throw new SecretReadError(secretId, `${err.name}: ${err.message}`.slice(0, 300));
      });
    if (typeof out.SecretString !== 'string') throw new SecretReadError(secretId, 'it has no SecretString');
    return out.SecretString;
  } finally {
    client.destroy();
  }
}
