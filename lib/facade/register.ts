// POST /oauth/register: anonymous dynamic client registration (RFC 7591). Public clients get a client_id; clients
// that ask for client_secret_post/basic also get a secret, shown once and stored only as its SHA-256.
import { randomBytes } from 'node:crypto';
import { validateClientMetadata } from './client.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { digest } from './redirect.ts';

const MAX_BODY = 16 * 1024;

/** Registers a client; answers 201 with its metadata, a fresh client_id and, for a confidential client, its secret. */
export async function handleRegister(request: Request, ctx: FacadeContext): Promise<Response> {
  if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new FacadeError('invalid_client_metadata', 'the registration request must be application/json');
  }
  const text = await request.text();
  if (text.length > MAX_BODY) throw new FacadeError('invalid_client_metadata', 'the registration request is too large');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FacadeError('invalid_client_metadata', 'the registration request is not JSON');
  }
  const clientId = `dcr_${randomBytes(18).toString('base64url')}`;
  const client = validateClientMetadata(raw, clientId);
  const secret = client.token_endpoint_auth_method === 'none' ? undefined : randomBytes(32).toString('base64url');
  const stored = secret ? { ...client, secret_digest: digest(secret) } : client;
  await ctx.store.create('client', clientId, stored, ctx.cfg.clientTtlSec);
  const body = {
    ...client,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
  };
  return Response.json(body, { status: 201, headers: { 'cache-control': 'no-store' } });
}
