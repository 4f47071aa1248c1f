// Client authentication at the token endpoint (RFC 6749 section 2.3): public clients (DCR with "none", CIMD) send
// only client_id and must not present a secret; confidential DCR clients present their secret with HTTP Basic or in
// the body (accepted either way: Claude's connectors use client_secret_post whatever was registered).
import { isCimdClientId } from './cimd.ts';
import type { FacadeClient } from './client.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';
import { digest, sameSecret } from './redirect.ts';

/** client_id and secret from an `Authorization: Basic` header (form-urlencoded parts), or undefined. Pure. */
export function basicCredentials(header: string | null): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const unauthorized = (description: string) => new FacadeError('invalid_client', description, 401);

/** The authenticated client_id of a token request. Throws invalid_client (401) / invalid_request. */
export async function authenticateClient(request: Request, form: URLSearchParams, ctx: FacadeContext): Promise<string> {
  const header = request.headers.get('authorization');
  const basic = basicCredentials(header);
  if (header && !basic) throw unauthorized('the Authorization header is not HTTP Basic client authentication');
  const formId = form.get('client_id');
  if (basic && formId !== null && formId !== basic.id) throw unauthorized('client_id does not match the credentials');
  const id = basic?.id ?? formId;
  if (!id) throw new FacadeError('invalid_request', 'client_id is required');
  const presented = basic?.secret ?? form.get('client_secret') ?? undefined;
  const client = isCimdClientId(id, ctx.cfg.cimdAllowPrivate)
    ? undefined
    : await ctx.store.get<FacadeClient>('client', id);
  if (!client?.secret_digest) {
    if (presented !== undefined) throw unauthorized('this client is public: it has no secret to present');
    return id;
  }
  if (presented === undefined || !sameSecret(digest(presented), client.secret_digest)) {
    throw unauthorized('client authentication failed');
  }
  return id;
}
