// A scripted OAuth client that logs a user in with plain HTTP: no browser. Used by `npm run token` and the AS tests.
// It works against both local authorization servers (Keycloak's login and consent pages, the dev AS's login form).
//
//   discoverAuthServer(issuer)        -> { metadata, url, tried }   lib/auth/discovery.ts's order (the MCP spec's)
//   pkcePair()                        -> { verifier, challenge }    S256
//   authorizationCodeLogin(opts)      -> TokenResponse              code flow + PKCE S256 + resource, form login
//   passwordGrant(opts)               -> TokenResponse              RFC 6749 4.3 (Keycloak's direct access grants)
//   refreshGrant(opts)                -> TokenResponse
//   decodeJwtPayload(token)           -> Record<string, unknown>    (no verification: display/tests only)
//
// Tokens are returned to the caller and never logged here.

import { createHash, randomBytes } from 'node:crypto';
import { authorizationServerMetadataUrls } from '../lib/auth/discovery.ts';

export interface AuthServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri?: string;
  registration_endpoint?: string;
  grant_types_supported?: string[];
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
  [key: string]: unknown;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [key: string]: unknown;
}

export class OAuthError extends Error {
  readonly status: number | undefined;
  readonly error: string | undefined;
  constructor(message: string, status?: number, error?: string) {
    super(message);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
  }
}

export async function discoverAuthServer(
  issuer: string,
  timeoutMs = 5_000,
): Promise<{ metadata: AuthServerMetadata; url: string; tried: Array<{ url: string; status: number | string }> }> {
  const tried: Array<{ url: string; status: number | string }> = [];
  for (const url of authorizationServerMetadataUrls(issuer)) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      tried.push({ url, status: (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name });
      continue;
    }
    tried.push({ url, status: res.status });
    if (!res.ok) {
      await res.body?.cancel();
      continue;
    }
    const metadata = (await res.json()) as AuthServerMetadata;
    // RFC 8414 section 3.3: the issuer in the document must be the one we asked for.
    if (metadata.issuer !== issuer) {
      throw new OAuthError(`AS metadata at ${url} names issuer ${metadata.issuer}, expected ${issuer}`);
    }
    return { metadata, url, tried };
  }
  throw new OAuthError(
    `No authorization server metadata for ${issuer} (tried ${tried.map((t) => `${t.url} -> ${t.status}`).join(', ')})`,
  );
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A one-origin cookie jar: enough for an AS login on loopback (attributes are ignored on purpose). */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const v = m?.[1] ?? m?.[2] ?? m?.[3];
  return v === undefined ? undefined : decodeEntities(v);
}

export interface HtmlForm {
  action: string;
  method: string;
  fields: Array<{ name: string; value: string; type: string }>;
}

/** Extracts the forms of a page: action, method and its input/button fields (enough for login and consent pages). */
export function parseForms(html: string, baseUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = `<form${m[1]}>`;
    const body = m[2] ?? '';
    const fields: HtmlForm['fields'] = [];
    for (const f of body.matchAll(/<(input|button)\b[^>]*>/gi)) {
      const tag = f[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      const type = (attr(tag, 'type') ?? (f[1]?.toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      fields.push({ name, value: attr(tag, 'value') ?? '', type });
    }
    forms.push({
      action: new URL(attr(open, 'action') ?? baseUrl, baseUrl).href,
      method: (attr(open, 'method') ?? 'get').toLowerCase(),
      fields,
    });
  }
  return forms;
}

export interface CodeLoginOptions {
  metadata: AuthServerMetadata;
  clientId: string;
  /** For confidential clients (client_secret_basic). */
  clientSecret?: string;
  redirectUri: string;
  /** Omitted: the request carries no scope parameter and the AS applies its default (RFC 6749 §3.3). */
  scope?: string;
  /** RFC 8707 resource; sent on the authorization and token requests. */
  resource?: string;
  username: string;
  password: string;
  /** Safety bound on redirects and form posts. */
  maxSteps?: number;
}

const APPROVE = /^(accept|approve|allow|consent|submit|yes)$/i;

/** Authorization code + PKCE S256, logging in through the AS's HTML form (and its consent page, if any). */
export async function authorizationCodeLogin(opts: CodeLoginOptions): Promise<TokenResponse> {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  const auth = new URL(opts.metadata.authorization_endpoint);
  auth.searchParams.set('response_type', 'code');
  auth.searchParams.set('client_id', opts.clientId);
  auth.searchParams.set('redirect_uri', opts.redirectUri);
  if (opts.scope !== undefined) auth.searchParams.set('scope', opts.scope);
  auth.searchParams.set('state', state);
  auth.searchParams.set('code_challenge', challenge);
  auth.searchParams.set('code_challenge_method', 'S256');
  if (opts.resource) auth.searchParams.set('resource', opts.resource);

  const back = await driveAuthorization({
    authorizationUrl: auth.href,
    redirectUri: opts.redirectUri,
    username: opts.username,
    password: opts.password,
    maxSteps: opts.maxSteps,
  });
  const error = back.get('error');
  if (error) {
    throw new OAuthError(
      `authorization failed: ${error} ${back.get('error_description') ?? ''}`.trim(),
      undefined,
      error,
    );
  }
  if (back.get('state') !== state) throw new OAuthError('state mismatch on the redirect');
  const code = back.get('code');
  if (!code) throw new OAuthError('no code on the redirect');
  const iss = back.get('iss');
  if (iss !== null && iss !== opts.metadata.issuer) throw new OAuthError(`iss mismatch on the redirect: ${iss}`);
  return tokenRequest(opts.metadata, opts, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: opts.redirectUri,
    code_verifier: verifier,
    ...(opts.resource ? { resource: opts.resource } : {}),
  });
}

/**
 * What a browser does with an authorization URL: follows redirects (keeping cookies), fills the AS's
 * login form, approves a consent page, until the AS redirects to `redirectUri`. Returns that redirect's
 * query (code, state, iss or error). Plain HTTP, so tests and `npm run token` need no browser.
 */
export async function driveAuthorization(opts: {
  authorizationUrl: string;
  redirectUri: string;
  username: string;
  password: string;
  maxSteps?: number | undefined;
}): Promise<URLSearchParams> {
  const jar = new CookieJar();
  let url = opts.authorizationUrl;
  let init: RequestInit = { method: 'GET' };
  let loggedIn = false;
  for (let step = 0; step < (opts.maxSteps ?? 20); step++) {
    if (url.startsWith(opts.redirectUri)) return new URL(url).searchParams;
    const headers = new Headers(init.headers);
    const cookie = jar.header();
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    if (res.status >= 400 && !/<form/i.test(html)) {
      throw new OAuthError(`authorization step ${url} answered ${res.status}: ${html.slice(0, 300)}`, res.status);
    }
    const forms = parseForms(html, url);
    const login = forms.find((f) => f.fields.some((x) => x.type === 'password'));
    let form: HtmlForm | undefined;
    const body = new URLSearchParams();
    if (login) {
      if (loggedIn)
        throw new OAuthError(`login as ${opts.username} was refused (the login form came back)`, res.status);
      loggedIn = true;
      form = login;
      for (const f of login.fields) {
        if (f.type === 'submit' || f.type === 'checkbox') continue;
        if (f.type === 'password') body.set(f.name, opts.password);
        else if (/user|login|email/i.test(f.name) && f.type !== 'hidden') body.set(f.name, opts.username);
        else body.set(f.name, f.value);
      }
    } else {
      // A consent page: post its hidden fields with the approving button.
      form = forms.find((f) =>
        f.fields.some((x) => x.type === 'submit' && (APPROVE.test(x.name) || APPROVE.test(x.value))),
      );
      if (!form) throw new OAuthError(`unexpected page at ${url} (status ${res.status}): ${html.slice(0, 300)}`);
      for (const f of form.fields) if (f.type === 'hidden') body.set(f.name, f.value);
      const button = form.fields.find((x) => x.type === 'submit' && (APPROVE.test(x.name) || APPROVE.test(x.value)));
      if (button) body.set(button.name, button.value);
    }
    url = form.action;
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() };
  }
  throw new OAuthError('too many steps in the authorization flow');
}

async function tokenRequest(
  metadata: AuthServerMetadata,
  client: { clientId: string; clientSecret?: string },
  params: Record<string, string>,
): Promise<TokenResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const body = new URLSearchParams(params);
  if (client.clientSecret !== undefined) {
    const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
  }
  const res = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof json.access_token !== 'string') {
    const error = typeof json.error === 'string' ? json.error : undefined;
    throw new OAuthError(
      `token request failed (${res.status}): ${error ?? 'no access_token'} ${String(json.error_description ?? '')}`.trim(),
      res.status,
      error,
    );
  }
  return json as TokenResponse;
}

export function passwordGrant(opts: {
  metadata: AuthServerMetadata;
  clientId: string;
  clientSecret?: string;
  username: string;
  password: string;
  scope: string;
  resource?: string;
}): Promise<TokenResponse> {
  return tokenRequest(opts.metadata, opts, {
    grant_type: 'password',
    username: opts.username,
    password: opts.password,
    scope: opts.scope,
    ...(opts.resource ? { resource: opts.resource } : {}),
  });
}

export function refreshGrant(opts: {
  metadata: AuthServerMetadata;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  resource?: string;
}): Promise<TokenResponse> {
  return tokenRequest(opts.metadata, opts, {
    grant_type: 'refresh_token',
    refresh_token: opts.refreshToken,
    ...(opts.resource ? { resource: opts.resource } : {}),
  });
}
