// The start-up check of the authorization server `npm start` will trust: the discovery documents in the order MCP
// clients try them (fetched at once, so one that hangs costs one timeout), the exact issuer string, the JWKS, and the
// scopes the served tools need against the AS metadata's scopes_supported. Every problem names the URL tried and
// what came back, so AUTH_ISSUER=http://localhost:8080/… against an AS whose issuer is http://127.0.0.1:8080/…
// says exactly that, at start, instead of "The signing keys are unavailable" on every call.
import { authorizationServerMetadataUrls } from '../lib/auth/discovery.ts';

export interface IssuerCheckOptions {
  issuer: string;
  /** AUTH_JWKS_URL, when set: used instead of the document's jwks_uri. */
  jwksUrl?: string;
  /** Scopes the served tools need (AUTH_REQUIRED_SCOPES and every declared scope). */
  scopes: readonly string[];
  /** Which tool needs a scope, for the message. */
  neededBy?: (scope: string) => string;
  timeoutMs?: number;
}

export interface IssuerCheck {
  /** Problems that stop the start (or, with --degraded, go into the banner). */
  problems: string[];
  /** Things worth saying that stop nothing (no scopes_supported to compare with). */
  notes: string[];
  metadataUrl?: string;
  scopesSupported?: string[];
}

type Outcome = { url: string; status?: number; doc?: Record<string, unknown>; said: string };

function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function getJson(url: string, timeoutMs: number): Promise<Outcome> {
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status !== 200) return { url, status: res.status, said: `HTTP ${res.status}` };
    try {
      const doc = JSON.parse(text) as unknown;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        return { url, status: 200, said: 'HTTP 200 but not a JSON object' };
      }
      return { url, status: 200, doc: doc as Record<string, unknown>, said: 'HTTP 200' };
    } catch {
      return { url, status: 200, said: `HTTP 200 but not JSON (${JSON.stringify(text.slice(0, 60))})` };
    }
  } catch (err) {
    return { url, said: describe(err, timeoutMs) };
  }
}

/** Fetches and checks the issuer's metadata and keys (see the header). Never throws for what the AS answers. */
export async function checkIssuer(opts: IssuerCheckOptions): Promise<IssuerCheck> {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const out: IssuerCheck = { problems: [], notes: [] };
  let urls: string[];
  try {
    urls = authorizationServerMetadataUrls(opts.issuer);
  } catch {
    out.problems.push(`AUTH_ISSUER=${opts.issuer} is not an absolute URL`);
    return out;
  }
  const outcomes = await Promise.all(urls.map((u) => getJson(u, timeoutMs)));
  const match = outcomes.find((o) => o.doc?.issuer === opts.issuer);
  if (!match?.doc) {
    const tried = outcomes.map((o) => {
      const named = o.doc ? ` naming issuer ${JSON.stringify(o.doc.issuer)}` : '';
      return `    ${o.url} -> ${o.said}${named}`;
    });
    const other = outcomes.find((o) => typeof o.doc?.issuer === 'string')?.doc?.issuer;
    out.problems.push(
      `AUTH_ISSUER=${opts.issuer}: no authorization server metadata names exactly this issuer. Tried:\n${tried.join('\n')}\n` +
        (other
          ? `  Tokens from that server carry iss ${other}: set AUTH_ISSUER=${other} exactly (scheme, host, port, path, no trailing slash).`
          : '  Check the URL (realm name, port, path) and that the authorization server is running.'),
    );
    return out;
  }
  out.metadataUrl = match.url;

  const jwksSource = opts.jwksUrl ? 'AUTH_JWKS_URL' : `jwks_uri of ${match.url}`;
  const jwksUrl = opts.jwksUrl ?? (typeof match.doc.jwks_uri === 'string' ? match.doc.jwks_uri : undefined);
  if (!jwksUrl) out.problems.push(`${match.url} has no jwks_uri (and AUTH_JWKS_URL is not set): no signing keys`);
  else {
    const jwks = await getJson(jwksUrl, timeoutMs);
    const keys = jwks.doc?.keys;
    if (!Array.isArray(keys) || keys.length === 0) {
      out.problems.push(
        `the signing keys (${jwksSource}) at ${jwksUrl} -> ${jwks.said}${jwks.doc ? ' without a non-empty "keys" array' : ''}`,
      );
    }
  }

  const supported = match.doc.scopes_supported;
  if (!Array.isArray(supported)) {
    out.notes.push(`${match.url} lists no scopes_supported, so the scopes the tools need were not checked against it`);
  } else {
    out.scopesSupported = supported.filter((s): s is string => typeof s === 'string');
    const missing = opts.scopes.filter((s) => !out.scopesSupported!.includes(s));
    for (const s of missing) {
      const who = opts.neededBy?.(s);
      out.problems.push(
        `the authorization server ${opts.issuer} does not offer scope ${s}${who ? ` (${who} needs it)` : ''}: ` +
          `its scopes_supported (${match.url}) is ${out.scopesSupported.join(' ') || '(empty)'}; ` +
          'add the client scope there (Keycloak: import keycloak/realm-mcp.json, which npm run generate keeps in step)',
      );
    }
  }
  return out;
}
