// The keys that seal input-required requestState, for the functions that seal it (/mcp, legacy SSE). Locally and
// in dev they come from REQUEST_STATE_KEYS (cfg.requestState.keys). In AWS they come from the Secrets Manager
// secret REQUEST_STATE_KEYS_SECRET_ARN names, read at runtime on first use (with the core, on the first
// authenticated request), once per instance: a CloudFormation dynamic reference would put them in the function's
// environment, readable by anyone with lambda:GetFunctionConfiguration. Fail closed: a secret that cannot be read
// or parsed rejects with an error naming the secret (never its value); that request answers 500 and the next
// one tries again (a failure is not cached).
import { type Config, parseRequestStateKeys, type RequestStateKey } from '../config.ts';
import { readSecretString } from '../secrets/index.ts';

/** Bounds the read (SDK retries included): far below the sealing functions' timeouts (900 s; the shortest is 30 s). */
export const REQUEST_STATE_SECRET_TIMEOUT_MS = 5_000;

const cache = new Map<string, Promise<RequestStateKey[]>>();

/** The requestState keys for `cfg`: from the environment, or from the secret (cached per instance). */
export function requestStateKeysOf(
  cfg: Config,
  timeoutMs = REQUEST_STATE_SECRET_TIMEOUT_MS,
): Promise<RequestStateKey[]> {
  const arn = cfg.requestState.secretArn;
  if (!arn) return Promise.resolve(cfg.requestState.keys);
  let keys = cache.get(arn);
  if (!keys) {
    keys = readSecretString(arn, timeoutMs).then((raw) =>
      parseRequestStateKeys(raw, `REQUEST_STATE_KEYS_SECRET_ARN (the secret ${arn})`),
    );
    cache.set(arn, keys);
    keys.catch(() => cache.delete(arn));
  }
  return keys;
}
