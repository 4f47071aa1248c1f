// A client the façade knows: registered by DCR (stored), or described by a CIMD document (fetched per authorization).
import { FacadeError } from './errors.ts';
import { redirectUriProblem } from './redirect-uri.ts';

export interface FacadeClient {
  client_id: string;
  client_name: string | undefined;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  scope: string | undefined;
  /** SHA-256 of the client secret, for confidential DCR clients; never returned. */
  secret_digest?: string;
}

/** How a client authenticates at the token endpoint. */
export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';
const AUTH_METHODS: ReadonlySet<string> = new Set(['none', 'client_secret_post', 'client_secret_basic']);

/** Keys that would reach an object's prototype if code ever copied a caller's object with assign/spread. */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a parsed JSON value holds a prototype key at any depth. Pure. */
export function hasPoisonKey(value: unknown, depth = 0): boolean {
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  return Object.keys(value).some(
    (k) => POISON_KEYS.has(k) || hasPoisonKey((value as Record<string, unknown>)[k], depth + 1),
  );
}

const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function stringList(o: Record<string, unknown>, k: string, fallback: string[]): string[] {
  const v = own(o, k);
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new FacadeError('invalid_client_metadata', `${k} must be an array of strings`);
  }
  return [...new Set(v as string[])];
}

/**
 * Client metadata (RFC 7591 section 2) from a parsed JSON body or CIMD document, validated: redirect URIs by the
 * RFC 9700 rules, code flow only; public clients (none) or, by DCR, confidential ones (client_secret_post/basic,
 * which real clients such as Claude's connectors ask for). Reads own properties only.
 */
export function validateClientMetadata(raw: unknown, clientId: string, publicOnly = false): FacadeClient {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new FacadeError('invalid_client_metadata', 'the client metadata must be a JSON object');
  }
  if (hasPoisonKey(raw)) throw new FacadeError('invalid_client_metadata', 'the client metadata has a forbidden key');
  const o = raw as Record<string, unknown>;
  const redirectUris = stringList(o, 'redirect_uris', []);
  if (redirectUris.length === 0 || redirectUris.length > 10) {
    throw new FacadeError('invalid_redirect_uri', 'redirect_uris must list 1 to 10 URIs');
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new FacadeError('invalid_redirect_uri', `redirect URI ${uri.slice(0, 200)} ${problem}`);
  }
  // RFC 7591's default is client_secret_basic; MCP clients nearly always say what they want, and public is safer.
  const auth = own(o, 'token_endpoint_auth_method') ?? 'none';
  if (typeof auth !== 'string' || !AUTH_METHODS.has(auth) || (publicOnly && auth !== 'none')) {
    throw new FacadeError(
      'invalid_client_metadata',
      publicOnly
        ? 'a client metadata document must describe a public client (token_endpoint_auth_method "none")'
        : 'token_endpoint_auth_method must be none, client_secret_post or client_secret_basic',
    );
  }
  const grants = stringList(o, 'grant_types', ['authorization_code']);
  if (
    !grants.includes('authorization_code') ||
    grants.some((g) => g !== 'authorization_code' && g !== 'refresh_token')
  ) {
    throw new FacadeError('invalid_client_metadata', 'grant_types must be authorization_code (and refresh_token)');
  }
  const responses = stringList(o, 'response_types', ['code']);
  if (responses.length !== 1 || responses[0] !== 'code') {
    throw new FacadeError('invalid_client_metadata', 'response_types must be ["code"]');
  }
  const name = own(o, 'client_name');
  const scope = own(o, 'scope');
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    throw new FacadeError('invalid_client_metadata', 'client_name must be a string of at most 200 characters');
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new FacadeError('invalid_client_metadata', 'scope must be a string');
  }
  return {
    client_id: clientId,
    client_name: name as string | undefined,
    redirect_uris: redirectUris,
    // With refresh_token the façade issues rotating refresh tokens (unless FACADE_REFRESH_TTL_S=0).
    grant_types: grants,
    response_types: ['code'],
    token_endpoint_auth_method: auth as ClientAuthMethod,
    scope: scope as string | undefined,
  };
}
