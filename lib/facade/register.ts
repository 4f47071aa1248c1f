// POST /oauth/register: anonymous dynamic client registration (RFC 7591) for public clients.
import { randomBytes } from 'node:crypto';
import { validateClientMetadata } from './client.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';

const MAX_BODY = 16 * 1024;

/** Registers a client; answers 201 with its metadata and a fresh client_id (no secret: public clients only). */
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
  await ctx.store.create('client', clientId, client, ctx.cfg.clientTtlSec);
  const body = { ...client, client_id_issued_at: Math.floor(Date.now() / 1000) };
  return Response.json(body, { status: 201, headers: { 'cache-control': 'no-store' } });
}
