// AuthError: the one error type lib/auth throws and returns. Descriptions are written here and in
// verify.ts as literals so nothing attacker-controlled reaches a header, a body or a log line.

/** RFC 6750 section 3.1 error codes. */
export type AuthErrorCode = 'invalid_token' | 'invalid_request';

/**
 * `description`: short, fixed, safe text (never the token, never a claim value). `status`: 401, or 400
 * for a token sent somewhere other than the Authorization header.
 */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly description: string;
  readonly status: 400 | 401;
  constructor(code: AuthErrorCode, description: string, status: 400 | 401 = 401) {
    super(`${code}: ${description}`);
    this.name = 'AuthError';
    this.code = code;
    this.description = description;
    this.status = status;
  }
}

/** Pure predicate. */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}
