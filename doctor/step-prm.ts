// Step 2: the Protected Resource Metadata, at the challenge URL and at both well-known paths, names exactly
// the URL the client used, an authorization server, the header bearer method, and is readable cross-origin.
import type { StepContext } from './context.ts';
import { isObject, probe } from './probe.ts';
import { type Check, fail, info, pass, type Step, warn } from './report.ts';
import { describeDifferences, prmCandidates, resourceDifferences } from './urls.ts';

const TITLE = 'Protected Resource Metadata (RFC 9728)';

function resourceFix(url: string): string {
  return `Set MCP_PUBLIC_URL to exactly ${url} (the URL clients use, behind any proxy), so the PRM resource equals it`;
}

export async function prmStep(ctx: StepContext): Promise<Step> {
  const { url, timeoutMs, foreignOrigin } = ctx.opts;
  const checks: Check[] = [];
  const fromChallenge = ctx.found.challengeParams?.resource_metadata;
  let primary: { url: string; doc: Record<string, unknown>; headers: Headers } | undefined;

  for (const candidate of prmCandidates(url, fromChallenge)) {
    const label = candidate === fromChallenge ? 'challenge URL' : 'well-known';
    const id = `prm.fetch:${candidate}`;
    const title = `PRM at ${candidate} (${label})`;
    const r = await probe(candidate, { headers: { accept: 'application/json', origin: foreignOrigin } }, timeoutMs);
    if (!r.ok) {
      checks.push(fail(id, title, `Unreachable: ${r.error}`, 'Route the well-known PRM paths to the PRM function'));
      continue;
    }
    if (r.status !== 200) {
      checks.push(
        fail(
          id,
          title,
          `Got ${r.status} instead of the document`,
          'Serve the PRM at /.well-known/oauth-protected-resource and at the path-suffixed form (no stage prefix)',
        ),
      );
      continue;
    }
    if (!isObject(r.json)) {
      checks.push(
        fail(id, title, 'The answer is not a JSON object', 'Serve the PRM as application/json', {
          detail: r.text.slice(0, 80),
        }),
      );
      continue;
    }
    const resource = r.json.resource;
    if (typeof resource !== 'string') {
      checks.push(fail(id, title, 'The document has no resource field', resourceFix(url)));
      continue;
    }
    primary ??= { url: candidate, doc: r.json, headers: r.headers };
    const diffs = resourceDifferences(url, resource);
    checks.push(
      diffs.length === 0
        ? pass(id, title, { detail: 'JSON, resource matches' })
        : fail(
            id,
            title,
            `resource is ${resource} but the client used ${url} (differs in: ${describeDifferences(diffs)})`,
            resourceFix(url),
            { data: { resource, differences: diffs } },
          ),
    );
  }
  if (!primary) return { id: 'prm', title: TITLE, checks };
  ctx.found.prm = primary.doc;

  const servers = primary.doc.authorization_servers;
  const valid = Array.isArray(servers) && servers.length > 0 && servers.every((s) => typeof s === 'string');
  if (valid) ctx.found.issuer = servers[0] as string;
  checks.push(
    valid
      ? pass('prm.authorization-servers', 'authorization_servers is not empty', { detail: servers.join(', ') })
      : fail(
          'prm.authorization-servers',
          'authorization_servers is not empty',
          'The PRM names no authorization server, so clients cannot log in',
          'Set AUTH_ISSUER to the issuer URL of your authorization server',
        ),
  );

  const methods = primary.doc.bearer_methods_supported;
  if (methods === undefined)
    checks.push(
      warn(
        'prm.bearer-methods',
        'bearer_methods_supported',
        'The PRM does not say how to send the token',
        'Add bearer_methods_supported: ["header"]',
      ),
    );
  else if (Array.isArray(methods) && methods.includes('header'))
    checks.push(pass('prm.bearer-methods', 'bearer_methods_supported includes "header"'));
  else
    checks.push(
      fail(
        'prm.bearer-methods',
        'bearer_methods_supported includes "header"',
        `bearer_methods_supported is ${JSON.stringify(methods)}; MCP tokens travel only in the Authorization header`,
        'Set bearer_methods_supported to ["header"]',
      ),
    );

  const acao = primary.headers.get('access-control-allow-origin');
  checks.push(
    acao === '*' || acao === foreignOrigin
      ? pass('prm.cors', 'CORS: readable from a browser client', { detail: `Access-Control-Allow-Origin: ${acao}` })
      : fail(
          'prm.cors',
          'CORS: readable from a browser client',
          acao ? `Access-Control-Allow-Origin is ${acao}` : 'The PRM has no Access-Control-Allow-Origin header',
          'Serve the PRM with Access-Control-Allow-Origin: * (browser clients such as MCP Inspector fetch it)',
        ),
  );

  const supported = Array.isArray(primary.doc.scopes_supported) ? (primary.doc.scopes_supported as string[]) : [];
  const missing = ctx.found.requiredScopes.filter((s) => !supported.includes(s));
  checks.push(
    missing.length === 0
      ? info('prm.scopes', 'scopes_supported', { detail: supported.join(' ') || '(none listed)' })
      : warn(
          'prm.scopes',
          'scopes_supported covers the challenged scopes',
          `The challenge asks for ${missing.join(' ')}, which scopes_supported does not list`,
          'List every scope the server challenges for in scopes_supported',
        ),
  );
  return { id: 'prm', title: TITLE, checks };
}
