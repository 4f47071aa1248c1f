// Composes the legacy HTTP+SSE function's web app (/sse and /messages/): the same guards, auth and
// audit as /mcp, in front of the store-backed legacy transport.
import { authenticate, toSdkAuthInfo } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../http/context.ts';
import { auditPrincipal, auditRpc } from '../mcp/audit-hooks.ts';
import { corsHeaders, preflight, rejectForeign, withHeaders } from '../mcp/guards.ts';
import { createLegacySseHandler } from '../mcp/legacy-sse.ts';
import { createServerFactory } from '../mcp/server.ts';
import { createStores } from '../store/index.ts';
import { tools } from '../tools/index.ts';
import { audited } from './mcp.ts';

export function createSseApp(cfg: Config): WebHandler {
  const stores = createStores(cfg);
  const legacy = createLegacySseHandler(cfg, { factory: createServerFactory(tools), stores });
  return audited(cfg, async (request, ctx) => {
    if (request.method === 'OPTIONS') return preflight(request, cfg, 'GET, POST, OPTIONS');
    const foreign = rejectForeign(request, cfg);
    if (foreign) return foreign;
    const cors = corsHeaders(request, cfg);
    const auth = await authenticate(request, cfg);
    if (!auth.ok) return withHeaders(auth.response, cors);
    const authInfo = toSdkAuthInfo(auth.principal, cfg);
    auditPrincipal(request, authInfo);
    if (request.method === 'POST') {
      const peek = await request
        .clone()
        .json()
        .catch(() => undefined);
      auditRpc(request, 'legacy-sse', peek);
    } else auditRpc(request, 'legacy-sse', undefined);
    return withHeaders(await legacy(request, authInfo, ctx), cors);
  });
}
