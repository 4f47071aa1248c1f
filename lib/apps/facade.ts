// The registration façade's web app (functions/facade.ts): routes, CORS for the endpoints browsers call, the
// state store by STORE (memory, or the FACADE_TABLE in DynamoDB), keys and upstream metadata loaded once per
// instance. Off (every path 404) unless FACADE_UPSTREAM_ISSUER is set, so the function is inert by default.
import type { Config } from '../config.ts';
import {
  errorResponse,
  type FacadeConfig,
  type FacadeContext,
  FacadeError,
  type FacadeKeys,
  type FacadeStore,
  facadeRoute,
  handleAuthorize,
  handleCallback,
  handleConsent,
  handleRegister,
  handleToken,
  loadFacadeKeys,
  memoryFacadeStore,
  metadataDocument,
} from '../facade/index.ts';
import { CORS_ROUTES, preflightRoute } from '../facade/routes.ts';
import { discoverUpstream, type UpstreamMetadata } from '../facade/upstream.ts';
import { log as ops } from '../telemetry/index.ts';
import type { WebHandler } from '../web-handler.ts';

export interface FacadeOverrides {
  store?: FacadeStore;
  keys?: () => Promise<FacadeKeys>;
  lookup?: FacadeContext['lookup'];
  /** Hears operational events (a replayed code); default the operational logger. Never gets a secret. */
  log?: (event: Record<string, unknown>) => void;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization, mcp-protocol-version',
  'access-control-max-age': '600',
};

/** The DynamoDB store, loaded on first use: the AWS SDK stays out of init (and of STORE=memory entirely). */
function lazyDynamoStore(cfg: Config, table: string): FacadeStore {
  const load = once(() => import('../facade/state-dynamodb.ts').then((m) => m.dynamoFacadeStore(cfg.store, table)));
  return {
    create: async (...a) => (await load()).create(...a),
    get: async (...a) => (await load()).get(...a),
    take: async (...a) => (await load()).take(...a),
    consume: async (...a) => (await load()).consume(...a),
  };
}

/** Memoises a loader; a failure is not cached, so the next request retries. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () =>
    (p ??= load().catch((err) => {
      p = undefined;
      throw err;
    }));
}

function withHeaders(res: Response, headers: Record<string, string>): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}

export function createFacadeApp(cfg: Config, fcfg: FacadeConfig, overrides: FacadeOverrides = {}): WebHandler {
  const notFound = () => Response.json({ error: 'not_found' }, { status: 404 });
  if (!fcfg.enabled) return async () => notFound();
  // The operational logger (Powertools, redacting): never a token, code, verifier or secret in `event`.
  const log =
    overrides.log ??
    (({ level, message, ...fields }: Record<string, unknown>) =>
      (level === 'ERROR' ? ops.error : ops.warn)(String(message), fields));
  const ctx: FacadeContext = {
    cfg: fcfg,
    store: overrides.store ?? (cfg.store.kind === 'dynamodb' ? lazyDynamoStore(cfg, fcfg.table) : memoryFacadeStore()),
    keys: once(overrides.keys ?? (() => loadFacadeKeys(fcfg))),
    upstream: once<UpstreamMetadata>(() => discoverUpstream(fcfg)),
    ...(overrides.lookup ? { lookup: overrides.lookup } : {}),
  };
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method === 'OPTIONS') {
      return preflightRoute(pathname) ? new Response(null, { status: 204, headers: CORS }) : notFound();
    }
    const route = facadeRoute(request.method, pathname);
    if (!route) return notFound();
    const cors = CORS_ROUTES.has(route) ? CORS : {};
    try {
      switch (route) {
        case 'metadata':
          return Response.json(metadataDocument(fcfg), { headers: { ...cors, 'cache-control': 'max-age=300' } });
        case 'jwks':
          return Response.json(
            { keys: await ctx.keys().then((k) => [k.publicJwk, ...k.previousPublicJwks]) },
            { headers: { ...cors, 'cache-control': 'max-age=300' } },
          );
        case 'register':
          return withHeaders(await handleRegister(request, ctx), cors);
        case 'token':
          return withHeaders(
            await handleToken(request, ctx, (what, clientId) =>
              log({
                level: 'WARN',
                message:
                  what === 'code'
                    ? 'facade: authorization code replayed; refused, its refresh tokens revoked'
                    : 'facade: refresh token replayed; refused, the login revoked',
                client_id: clientId,
              }),
            ),
            cors,
          );
        case 'authorize':
          return await handleAuthorize(request, ctx);
        case 'consent':
          return await handleConsent(request, ctx);
        case 'callback':
          return await handleCallback(request, ctx);
      }
    } catch (err) {
      if (err instanceof FacadeError) return errorResponse(err, cors);
      log({ level: 'ERROR', message: 'facade: request failed', route, error: (err as Error).name });
      return errorResponse(new FacadeError('server_error', 'the authorization server failed', 500), cors);
    }
  };
}
