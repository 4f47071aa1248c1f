// 2025-era sessionful Streamable HTTP (2025-03-26 .. 2025-11-25) over the shared store, so that any
// instance serves any request of a session: POST (post.ts), GET (get.ts), DELETE (delete.ts).
// A session is bound to the token subject that created it: another subject gets the same 404 as an
// unknown id, so session ids leak nothing.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Config } from '../../config.ts';
import type { InvocationContext } from '../../web-handler.ts';
import { del } from './delete.ts';
import { get } from './get.ts';
import { post } from './post.ts';
import { type SessionfulDeps, storeFailure } from './shared.ts';

/** The handler /mcp hands 2025-era traffic to. Store outages give 503; any other error propagates. */
export function createSessionfulHandler(cfg: Config, deps: SessionfulDeps) {
  return async (
    request: Request,
    opts: { authInfo: AuthInfo; parsedBody?: unknown },
    ctx: InvocationContext,
  ): Promise<Response> => {
    const ex = { request, authInfo: opts.authInfo, parsedBody: opts.parsedBody };
    try {
      switch (request.method) {
        case 'POST':
          return await post(deps, ex, ctx);
        case 'GET':
          return await get(cfg, deps, ex, ctx);
        case 'DELETE':
          return await del(deps, ex);
        default:
          return new Response(null, { status: 405, headers: { allow: 'GET, POST, DELETE' } });
      }
    } catch (err) {
      return storeFailure(err);
    }
  };
}
