// Composes the legacy HTTP+SSE function's web app (/sse and /messages/).
import type { Config } from '../config.ts';
import type { WebHandler } from '../http/context.ts';
import { rpcErrorResponse } from '../mcp/jsonrpc.ts';

export function createSseApp(_cfg: Config): WebHandler {
  // Filled in by the sessions issue; until then the routes exist and say so.
  return async () => rpcErrorResponse(501, -32601, 'The legacy SSE transport is not available yet');
}
