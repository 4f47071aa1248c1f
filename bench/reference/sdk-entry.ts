// The cold-init reference bundle's entry: the official SDK server with its web-standard transport, plus
// jose and zod, constructed at module scope the way a Lambda function would be. Bundled with the same
// esbuild options as ours (bench/bundles.ts) and imported in fresh processes by bench/cold-probe.ts.
// The handler verifies a bearer token with jose (remote JWKS created once, like ours) and then serves
// MCP; without a token it answers 401, which is the cold request the probe sends.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createReferenceHandler } from './sdk-app.ts';

const issuer = process.env.AUTH_ISSUER ?? 'http://127.0.0.1:9/realms/mcp';
const audience = process.env.MCP_PUBLIC_URL ?? 'http://127.0.0.1:9/mcp';
const jwks = createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL ?? `${issuer}/protocol/openid-connect/certs`));
const mcp = createReferenceHandler();

export async function handler(request: Request): Promise<Response> {
  const m = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
  if (!m) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
  try {
    await jwtVerify(m[1]!, jwks, { issuer, audience, algorithms: ['RS256'] });
  } catch {
    return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
  return mcp(request);
}
