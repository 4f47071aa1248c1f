// OAuth 2.0 Protected Resource Metadata (RFC 9728) document and its web handler.
//
//   prmDocument(cfg): ProtectedResourceMetadata   the JSON document (pure)
//   prmPaths(cfg): string[]                      the paths it is served at: the root well-known path and the
//                                                one suffixed with the public URL's path (RFC 9728 section 3.1)
//   handlePrm(request, cfg): Response            GET/HEAD/OPTIONS on prmPaths; other paths 404, other methods 405
//   prmHandler(cfg): WebHandler                  the same as a lib/http WebHandler
//
// Every URL comes from config (MCP_PUBLIC_URL, AUTH_ISSUER), never from Host or X-Forwarded-*: behind
// Traefik or a Function URL the host the function sees is not the one the client used. The document is
// public, cacheable and readable cross-origin (MCP Inspector fetches it from a browser). No MCP SDK and no
// jose import here: this module must cold-start in a few milliseconds.

import type { Config } from '../config.ts';
import type { WebHandler } from '../web-handler.ts';

export type PrmConfig = Pick<Config, 'publicUrl' | 'resourceMetadataUrl' | 'resourceName' | 'resourceDocumentation'> & {
  auth: Pick<Config['auth'], 'issuer' | 'scopesSupported'>;
};

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: ['header'];
  resource_name: string;
  resource_documentation?: string;
}

export const PRM_ROOT_PATH = '/.well-known/oauth-protected-resource';
const ALLOW = 'GET, HEAD, OPTIONS';
const CACHE_CONTROL = 'public, max-age=300';
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

export function prmDocument(cfg: PrmConfig): ProtectedResourceMetadata {
  const doc: ProtectedResourceMetadata = {
    resource: cfg.publicUrl,
    authorization_servers: cfg.auth.issuer ? [cfg.auth.issuer] : [],
    scopes_supported: [...cfg.auth.scopesSupported],
    bearer_methods_supported: ['header'],
    resource_name: cfg.resourceName,
  };
  if (cfg.resourceDocumentation) doc.resource_documentation = cfg.resourceDocumentation;
  return doc;
}

export function prmPaths(cfg: Pick<Config, 'resourceMetadataUrl'>): string[] {
  const suffixed = new URL(cfg.resourceMetadataUrl).pathname;
  return suffixed === PRM_ROOT_PATH ? [PRM_ROOT_PATH] : [PRM_ROOT_PATH, suffixed];
}

const cors = { 'access-control-allow-origin': '*' };

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...cors, ...extra },
  });
}

export function handlePrm(request: Request, cfg: PrmConfig): Response {
  const path = new URL(request.url).pathname;
  if (!prmPaths(cfg).includes(path)) {
    return json(404, { error: 'not_found', error_description: 'No protected resource metadata at this path' });
  }
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      const body = JSON.stringify(prmDocument(cfg));
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: {
          'content-type': 'application/json',
          'content-length': String(new TextEncoder().encode(body).byteLength),
          'cache-control': CACHE_CONTROL,
          ...cors,
        },
      });
    }
    case 'OPTIONS': {
      // CORS preflight: the MCP SDK client sends MCP-Protocol-Version with this GET, which needs one.
      const requested = request.headers.get('access-control-request-headers');
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': ALLOW,
          'access-control-allow-headers':
            requested && HEADER_LIST.test(requested) ? requested : 'MCP-Protocol-Version, Content-Type',
          'access-control-max-age': '86400',
          allow: ALLOW,
        },
      });
    }
    default:
      return json(405, { error: 'method_not_allowed', error_description: `Use ${ALLOW}` }, { allow: ALLOW });
  }
}

export function prmHandler(cfg: PrmConfig): WebHandler {
  return async (request) => handlePrm(request, cfg);
}
