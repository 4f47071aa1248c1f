// DELETE /mcp in a 2025-era session: ends the session on every instance (its streams see it gone).
import { type Exchange, loadSession, type SessionfulDeps } from './shared.ts';

/** Deletes the caller's own session: 200, or the answer loadSession gives. */
export async function del(deps: SessionfulDeps, ex: Exchange): Promise<Response> {
  const session = await loadSession(deps.stores.sessions, ex.request, ex.authInfo);
  if (session instanceof Response) return session;
  await deps.stores.sessions.delete(session.id);
  return new Response(null, { status: 200 });
}
