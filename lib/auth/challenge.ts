// WWW-Authenticate challenges (RFC 6750 section 3, RFC 9728 section 5.1, MCP authorization).
//
// Every challenge names the PRM URL (resource_metadata) so a client can discover the AS. Bodies are small
// JSON that explain the problem and never echo the token (descriptions are fixed strings from AuthError).
// `Access-Control-Expose-Headers: WWW-Authenticate` lets browser clients read the challenge; the route's
// CORS layer adds Access-Control-Allow-Origin. No MCP SDK import here: this is the cold 401 path.

import { type StaticAnswer, staticAnswer } from '../web-handler.ts';
import type { AuthError } from './errors.ts';

export interface ChallengeConfig {
  resourceMetadataUrl: string;
  auth: { requiredScopes: string[] };
}

/** RFC 9110 quoted-string; control and non-ASCII characters are dropped, `"` and `\` escaped. */
export function quotedString(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** RFC 6749 section 5.2 limits error_description to %x20-21 / %x23-5B / %x5D-7E: no quote, no backslash. */
function safeDescription(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** The WWW-Authenticate value for `params` (those with a value), e.g. `Bearer resource_metadata="..."`. Pure. */
export function bearerChallenge(params: Array<[string, string | undefined]>): string {
  const parts = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${quotedString(v)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

function respond(status: number, challenge: string, body: Record<string, unknown>): Response {
  return respondText(status, challenge, JSON.stringify(body));
}

function challengeHeaders(challenge: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'www-authenticate': challenge,
    'access-control-expose-headers': 'WWW-Authenticate',
  };
}

function respondText(status: number, challenge: string, body: string): Response {
  return new Response(body, { status, headers: challengeHeaders(challenge) });
}

function scopeParam(scopes: string[]): string | undefined {
  return scopes.length ? scopes.join(' ') : undefined;
}

// The 401 without an error (no token at all) is the same for every request of a configuration: its
// challenge and body are built once per configuration, not per request (rebuilt should the URL or the
// scope list of that configuration object be replaced).
const plain401 = new WeakMap<ChallengeConfig, { url: string; scopes: readonly string[]; answer: StaticAnswer }>();

function plainParts(cfg: ChallengeConfig) {
  let made = plain401.get(cfg);
  if (made?.url !== cfg.resourceMetadataUrl || made.scopes !== cfg.auth.requiredScopes) {
    const challenge = bearerChallenge([
      ['resource_metadata', cfg.resourceMetadataUrl],
      ['scope', scopeParam(cfg.auth.requiredScopes)],
    ]);
    const body = JSON.stringify({
      error: 'unauthorized',
      error_description: 'A Bearer access token in the Authorization header is required',
      resource_metadata: cfg.resourceMetadataUrl,
    });
    const answer = staticAnswer(401, challengeHeaders(challenge), body);
    made = { url: cfg.resourceMetadataUrl, scopes: cfg.auth.requiredScopes, answer };
    plain401.set(cfg, made);
  }
  return made;
}

function plainUnauthorized(cfg: ChallengeConfig): Response {
  const { status, headers, body } = plainParts(cfg).answer;
  return new Response(body, { status, headers });
}

/**
 * unauthorized(cfg) (no token at all) as a StaticAnswer: the same status, headers and body, built once per
 * configuration like the Response; for a front adapter that answers without building a Response.
 */
export function noTokenAnswer(cfg: ChallengeConfig): StaticAnswer {
  return plainParts(cfg).answer;
}

/** 401; with `err`, error="invalid_token" or "invalid_request" and its description. */
export function unauthorized(cfg: ChallengeConfig, err?: AuthError): Response {
  if (!err) return plainUnauthorized(cfg);
  const description = err ? safeDescription(err.description) : undefined;
  const challenge = bearerChallenge([
    ['resource_metadata', cfg.resourceMetadataUrl],
    ['scope', scopeParam(cfg.auth.requiredScopes)],
    ['error', err?.code],
    ['error_description', description],
  ]);
  return respond(401, challenge, {
    error: err?.code ?? 'unauthorized',
    error_description: description ?? 'A Bearer access token in the Authorization header is required',
    resource_metadata: cfg.resourceMetadataUrl,
  });
}

/** 400 invalid_request: a token in the query string or a form body. */
export function invalidRequest(cfg: ChallengeConfig, err: AuthError): Response {
  const description = safeDescription(err.description);
  const challenge = bearerChallenge([
    ['error', 'invalid_request'],
    ['error_description', description],
    ['resource_metadata', cfg.resourceMetadataUrl],
  ]);
  return respond(400, challenge, {
    error: 'invalid_request',
    error_description: description,
    resource_metadata: cfg.resourceMetadataUrl,
  });
}

/** 401 or 400, as `err.status` says. */
export function rejection(cfg: ChallengeConfig, err?: AuthError): Response {
  return err?.status === 400 ? invalidRequest(cfg, err) : unauthorized(cfg, err);
}

/** 403 error="insufficient_scope" naming the scopes needed (step-up). */
export function insufficientScope(cfg: ChallengeConfig, scopes: string[]): Response {
  const description = 'The access token lacks a scope this request needs';
  const challenge = bearerChallenge([
    ['error', 'insufficient_scope'],
    ['scope', scopeParam(scopes)],
    ['resource_metadata', cfg.resourceMetadataUrl],
    ['error_description', description],
  ]);
  return respond(403, challenge, {
    error: 'insufficient_scope',
    error_description: description,
    scope: scopes.join(' '),
    resource_metadata: cfg.resourceMetadataUrl,
  });
}
