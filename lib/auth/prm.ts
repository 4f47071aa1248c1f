// OAuth 2.0 Protected Resource Metadata (RFC 9728): the document and its web handler.
//
// Every URL comes from config (MCP_PUBLIC_URL, AUTH_ISSUER), never from Host or X-Forwarded-*: behind
// Traefik or a Function URL the host the function sees is not the one the client used. The document is
// public, cacheable and readable cross-origin (MCP Inspector fetches it from a browser). No MCP SDK and no
// jose import here: this module must cold-start in a few milliseconds.

import type { Config } from '../config.ts';
import { type StaticAnswer, staticAnswer } from '../web-handler.ts';

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

/** The JSON document (pure). */
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

/** Where it is served: the root well-known path and the one suffixed with the public URL's path (RFC 9728 3.1). */
export function prmPaths(cfg: Pick<Config, 'resourceMetadataUrl'>): string[] {
  const suffixed = new URL(cfg.resourceMetadataUrl).pathname;
  return suffixed === PRM_ROOT_PATH ? [PRM_ROOT_PATH] : [PRM_ROOT_PATH, suffixed];
}

const cors = { 'access-control-allow-origin': '*' };

/** An error answer in the PRM routes' own shape: `{error, error_description}`, readable cross-origin. */
export function prmError(
  status: number,
  error: string,
  description: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors, ...extra },
  });
}

/** The document's body and the headers of its 200 (GET and HEAD alike). */
function documentParts(cfg: PrmConfig): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(prmDocument(cfg));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(new TextEncoder().encode(body).byteLength),
      'cache-control': CACHE_CONTROL,
      ...cors,
    },
  };
}

/** What handlePrm answers GET and HEAD on each of prmPaths, as static answers (made once, at init). */
export function prmAnswers(cfg: PrmConfig): ReadonlyMap<string, { GET: StaticAnswer; HEAD: StaticAnswer }> {
  const { body, headers } = documentParts(cfg);
  const answers = { GET: staticAnswer(200, headers, body), HEAD: staticAnswer(200, headers, '') };
  return new Map(prmPaths(cfg).map((path) => [path, answers]));
}

/** GET/HEAD/OPTIONS on prmPaths; other paths 404, other methods 405. */
export function handlePrm(request: Request, cfg: PrmConfig): Response {
  const path = new URL(request.url).pathname;
  if (!prmPaths(cfg).includes(path)) {
    return prmError(404, 'not_found', 'No protected resource metadata at this path');
  }
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      const { body, headers } = documentParts(cfg);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
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
      return prmError(405, 'method_not_allowed', `Use ${ALLOW}`, { allow: ALLOW });
  }
}
