// The façade's routes: method + path -> endpoint name, and which of them browsers may call cross-origin. Pure.

export type FacadeRoute = 'metadata' | 'register' | 'authorize' | 'consent' | 'callback' | 'token' | 'jwks';

const ROUTES = new Map<string, FacadeRoute>([
  ['GET /.well-known/oauth-authorization-server', 'metadata'],
  ['GET /.well-known/openid-configuration', 'metadata'],
  ['POST /oauth/register', 'register'],
  ['GET /oauth/authorize', 'authorize'],
  ['POST /oauth/consent', 'consent'],
  ['GET /oauth/callback', 'callback'],
  ['POST /oauth/token', 'token'],
  ['GET /oauth/jwks', 'jwks'],
]);

/** Browser-based clients (MCP Inspector) call these cross-origin; none of them uses cookies. */
export const CORS_ROUTES: ReadonlySet<FacadeRoute> = new Set(['metadata', 'register', 'token', 'jwks']);

/** The endpoint for a request, or undefined (404). A trailing slash is not the same path. Pure. */
export function facadeRoute(method: string, pathname: string): FacadeRoute | undefined {
  return ROUTES.get(`${method} ${pathname}`);
}

/** The endpoint a CORS preflight (OPTIONS) is for, when browsers may call it. Pure. */
export function preflightRoute(pathname: string): FacadeRoute | undefined {
  for (const method of ['GET', 'POST']) {
    const route = facadeRoute(method, pathname);
    if (route && CORS_ROUTES.has(route)) return route;
  }
  return undefined;
}
