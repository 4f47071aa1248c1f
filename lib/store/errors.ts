// Typed store failures, so callers can map them to protocol answers without string matching:
// StoreUnavailableError -> 503 (+ JSON-RPC error), StoreItemTooLarge -> reject the message,
// SessionExistsError -> retry with a fresh id (a collision of 32 random bytes means a bug).

/** The backing store cannot be reached or did not answer in time (connection refused, timeout, throttled). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A message is larger than the configured bound (`maxMessageBytes`). Nothing was written. */
export class StoreItemTooLarge extends Error {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(`Store item too large: ${bytes} bytes exceeds the limit of ${limit} bytes`);
    this.name = 'StoreItemTooLarge';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A session with this id already exists (conditional create refused). */
export class SessionExistsError extends Error {
  constructor() {
    super('A session with this id already exists');
    this.name = 'SessionExistsError';
  }
}

/** Too many concurrent writers raced for the same stream position; the append was not written. */
export class StoreContentionError extends Error {
  constructor(key: string, attempts: number) {
    super(`Gave up appending to ${key} after ${attempts} contended attempts`);
    this.name = 'StoreContentionError';
  }
}
