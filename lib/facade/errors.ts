// The façade's errors: an OAuth error code (RFC 6749 section 5.2, RFC 7591 section 3.2.2) plus the HTTP status it
// answers with. Descriptions are for the client; they never carry a token, code, verifier or secret.

/** OAuth error codes the façade answers with. */
export type FacadeErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'not_found';

/** A refusal with its OAuth code and HTTP status. */
export class FacadeError extends Error {
  readonly code: FacadeErrorCode;
  readonly status: number;
  constructor(code: FacadeErrorCode, description: string, status = 400) {
    super(description);
    this.name = 'FacadeError';
    this.code = code;
    this.status = status;
  }
}

/** JSON error response (RFC 6749 section 5.2), never cached. */
export function errorResponse(err: FacadeError, extraHeaders: Record<string, string> = {}): Response {
  return Response.json(
    { error: err.code, error_description: err.message },
    { status: err.status, headers: { 'cache-control': 'no-store', ...extraHeaders } },
  );
}
