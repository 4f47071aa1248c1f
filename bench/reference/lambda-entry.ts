// The in-process CPU reference (bench/cpu.ts): the official SDK v2 as its docs show it (createMcpHandler,
// a fresh McpServer per request, bench/reference/sdk-app.ts), behind the least a Lambda function needs:
// a Function URL event -> Request, the Response -> the runtime's response stream, a bearer check with
// jose (remote JWKS created once), a PRM document and a 401. Bundled with the same esbuild options as
// ours (bench/bundles.ts). Two handlers: `handler` keeps verified tokens for 30 s (as ours does by
// default, lib/auth/token-cache.ts), `uncached` verifies the signature on every call. The server lists
// the same tools as ours (lib/tools/demo.ts definitions, plain `registerTool`), so `tools/list` is the same work.
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { demoTools } from '../../lib/tools/demo.ts';
import { createReferenceHandler } from './sdk-app.ts';

const issuer = process.env.AUTH_ISSUER ?? 'http://127.0.0.1:9/realms/mcp';
const audience = process.env.MCP_PUBLIC_URL ?? 'http://127.0.0.1:9/mcp';
const jwks = createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL ?? `${issuer}/protocol/openid-connect/certs`));
const mcp = createReferenceHandler({ tools: demoTools });
const prmPath = `/.well-known/oauth-protected-resource${new URL(audience).pathname}`;
const prm = JSON.stringify({
  resource: audience,
  authorization_servers: [issuer],
  scopes_supported: ['mcp:tools'],
  bearer_methods_supported: ['header'],
});
const challenge = `Bearer resource_metadata="${new URL(prmPath, audience).href}"`;

interface Event {
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  body?: string;
  requestContext: { http: { method: string } };
}

const verified = new Map<string, number>();

async function authorized(header: string | null, cache: boolean): Promise<boolean> {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  if (!m) return false;
  const key = cache ? createHash('sha256').update(m[1]!).digest('hex') : '';
  if (cache && (verified.get(key) ?? 0) > Date.now()) return true;
  try {
    await jwtVerify(m[1]!, jwks, { issuer, audience, algorithms: ['RS256'] });
  } catch {
    return false;
  }
  if (cache) verified.set(key, Date.now() + 30_000);
  return true;
}

async function serve(request: Request, cache: boolean): Promise<Response> {
  if (request.method === 'GET' && new URL(request.url).pathname === prmPath) {
    return new Response(prm, { headers: { 'content-type': 'application/json' } });
  }
  if (!(await authorized(request.headers.get('authorization'), cache))) {
    return new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
  }
  return mcp(request);
}

function lambda(cache: boolean) {
  return awslambda.streamifyResponse(async (event: Event, responseStream: Writable) => {
    const method = event.requestContext.http.method;
    const url = `https://${event.headers.host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
    const body = method === 'GET' || method === 'HEAD' ? undefined : event.body;
    const response = await serve(new Request(url, { method, headers: event.headers, body }), cache);
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: response.status, headers });
    let wrote = false;
    if (response.body) {
      for await (const chunk of response.body) {
        out.write(chunk);
        wrote = true;
      }
    }
    if (!wrote) out.write('');
    out.end();
  });
}

export const handler = lambda(true);
export const uncached = lambda(false);
