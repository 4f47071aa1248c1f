// Step 3: the authorization server's metadata, found at the discovery paths in the order MCP clients try
// them, with an exact issuer, PKCE S256, a registration route (DCR or CIMD) and a reachable JWKS.
import { authorizationServerMetadataUrls } from '../lib/auth/discovery.ts';
import type { StepContext } from './context.ts';
import { isObject, probe, resolutionFix } from './probe.ts';
import { type Check, fail, info, pass, type Step, skip, warn } from './report.ts';

const TITLE = 'Authorization server metadata';

export async function asStep(ctx: StepContext): Promise<Step> {
  const { timeoutMs } = ctx.opts;
  const issuer = ctx.found.issuer;
  const checks: Check[] = [];
  if (!issuer) {
    checks.push(skip('as.discovery', 'AS metadata discovery', 'no authorization server named by the PRM'));
    return { id: 'as', title: TITLE, checks };
  }
  let candidates: string[];
  try {
    candidates = authorizationServerMetadataUrls(issuer);
  } catch {
    checks.push(
      fail('as.discovery', 'AS metadata discovery', `The issuer "${issuer}" is not a URL`, 'Set AUTH_ISSUER to a URL'),
    );
    return { id: 'as', title: TITLE, checks };
  }
  const tried: Array<{ url: string; outcome: string }> = [];
  let unresolved: string | undefined;
  let answered: { url: string; doc: Record<string, unknown>; position: number } | undefined;
  for (const [i, candidate] of candidates.entries()) {
    const r = await probe(candidate, { headers: { accept: 'application/json' } }, timeoutMs);
    const outcome = !r.ok ? r.error : r.status !== 200 ? String(r.status) : isObject(r.json) ? 'ok' : 'not JSON';
    tried.push({ url: candidate, outcome });
    if (!r.ok && r.unresolvedHost) unresolved = r.unresolvedHost;
    if (!answered && r.ok && outcome === 'ok')
      answered = { url: candidate, doc: r.json as Record<string, unknown>, position: i + 1 };
  }
  const triedText = tried.map((t) => `${t.url} → ${t.outcome}`).join('; ');
  if (!answered) {
    checks.push(
      fail(
        'as.discovery',
        'AS metadata found at a discovery path',
        `No discovery path answers with JSON (${triedText})`,
        unresolved
          ? resolutionFix(unresolved)
          : 'Check the issuer URL in AUTH_ISSUER (realm name, path); Keycloak 26.4+ serves the RFC 8414 form',
        { data: { tried } },
      ),
    );
    return { id: 'as', title: TITLE, checks };
  }
  ctx.found.asMetadata = answered.doc;
  checks.push(
    pass('as.discovery', 'AS metadata found at a discovery path', {
      detail: `${answered.url} (path ${answered.position} of ${candidates.length}; ${tried.map((t, i) => `${i + 1}: ${t.outcome}`).join(', ')})`,
      data: { answeredAt: answered.url, tried },
    }),
  );
  const doc = answered.doc;

  checks.push(
    doc.issuer === issuer
      ? pass('as.issuer', 'issuer matches exactly', { detail: issuer })
      : fail(
          'as.issuer',
          'issuer matches exactly',
          `The metadata says issuer ${JSON.stringify(doc.issuer)} but the PRM names ${issuer}; clients refuse the mismatch (RFC 8414 section 3.3)`,
          typeof doc.issuer === 'string'
            ? `Set AUTH_ISSUER to exactly ${doc.issuer}`
            : 'Fix the AS so its metadata has an issuer field',
          { data: { metadataIssuer: doc.issuer, prmIssuer: issuer } },
        ),
  );

  const pkce = Array.isArray(doc.code_challenge_methods_supported) ? doc.code_challenge_methods_supported : [];
  checks.push(
    pkce.includes('S256')
      ? pass('as.pkce', 'PKCE S256 supported')
      : fail(
          'as.pkce',
          'PKCE S256 supported',
          doc.code_challenge_methods_supported === undefined
            ? 'code_challenge_methods_supported is missing; MCP clients refuse an AS that does not advertise S256'
            : `code_challenge_methods_supported is ${JSON.stringify(pkce)}, without S256`,
          'Enable PKCE with S256 on the authorization server and advertise it',
        ),
  );

  const dcr = typeof doc.registration_endpoint === 'string';
  const cimd = doc.client_id_metadata_document_supported === true;
  if (dcr)
    checks.push(
      pass('as.registration', 'Dynamic client registration endpoint', { detail: `${doc.registration_endpoint}` }),
    );
  else if (cimd)
    checks.push(
      warn(
        'as.registration',
        'Dynamic client registration endpoint',
        'No registration_endpoint: clients without CIMD support (e.g. ChatGPT today) cannot register',
        'Enable anonymous DCR on the AS (Keycloak: a trusted-hosts client registration policy)',
      ),
    );
  else
    checks.push(
      fail(
        'as.registration',
        'Dynamic client registration endpoint',
        'Neither registration_endpoint nor client_id_metadata_document_supported: clients have no way to register',
        'Enable anonymous DCR (or CIMD) on the authorization server',
      ),
    );
  checks.push(
    info('as.cimd', 'Client ID Metadata Documents (CIMD)', {
      detail: cimd ? 'supported' : 'not advertised (client_id_metadata_document_supported is not true)',
    }),
  );

  const jwksUri = doc.jwks_uri;
  if (typeof jwksUri !== 'string') {
    checks.push(
      fail(
        'as.jwks',
        'jwks_uri is reachable',
        'The metadata has no jwks_uri',
        'Fix the AS metadata, or set AUTH_JWKS_URL',
      ),
    );
  } else {
    const r = await probe(jwksUri, { headers: { accept: 'application/json' } }, timeoutMs);
    const keys = r.ok && isObject(r.json) && Array.isArray(r.json.keys) ? r.json.keys : undefined;
    checks.push(
      keys && keys.length > 0
        ? pass('as.jwks', 'jwks_uri is reachable', {
            detail: `${jwksUri} (${keys.length} key${keys.length > 1 ? 's' : ''})`,
          })
        : fail(
            'as.jwks',
            'jwks_uri is reachable',
            !r.ok
              ? `${jwksUri}: ${r.error}`
              : r.status !== 200
                ? `${jwksUri} answered ${r.status}`
                : `${jwksUri} holds no keys`,
            'Make the JWKS reachable from the server (or set AUTH_JWKS_URL to a reachable copy)',
          ),
    );
  }
  return { id: 'as', title: TITLE, checks };
}
