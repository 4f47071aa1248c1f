// Step 1: an unauthenticated POST and GET get 401 with a usable Bearer challenge under its real name.
import { bearerOf, findChallenge } from './challenge.ts';
import type { StepContext } from './context.ts';
import { probe, resolutionFix } from './probe.ts';
import { type Check, fail, pass, type Step, warn } from './report.ts';

const PROTECT_FIX = 'Run the bearer check before any MCP handling, for every method on the MCP route';

export async function challengeStep(ctx: StepContext): Promise<Step> {
  const { url, timeoutMs } = ctx.opts;
  const checks: Check[] = [];
  const post = await probe(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    },
    timeoutMs,
  );
  const get = await probe(url, { method: 'GET', headers: { accept: 'text/event-stream' } }, timeoutMs);

  for (const [method, r] of [
    ['POST', post],
    ['GET', get],
  ] as const) {
    const id = `challenge.${method.toLowerCase()}-401`;
    const title = `Unauthenticated ${method} gets 401`;
    if (!r.ok)
      checks.push(
        fail(
          id,
          title,
          `${method} ${url} failed: ${r.error}`,
          r.unresolvedHost ? resolutionFix(r.unresolvedHost) : 'Check the URL and that the server is up',
          r.unresolvedHost ? { data: { unresolvedHost: r.unresolvedHost } } : {},
        ),
      );
    else if (r.status === 401) checks.push(pass(id, title));
    else
      checks.push(
        fail(
          id,
          title,
          `${method} without a token got ${r.status}${r.status < 300 ? ': the endpoint is not protected' : ''}`,
          r.status === 404 ? 'Check the MCP URL path (clients use it verbatim)' : PROTECT_FIX,
          { detail: `status ${r.status}` },
        ),
      );
  }

  if (!post.ok || post.status !== 401) {
    checks.push(warn('challenge.header', 'WWW-Authenticate challenge', 'No 401 to read a challenge from', PROTECT_FIX));
    return { id: 'challenge', title: 'Unauthenticated requests are challenged', checks };
  }
  const found = findChallenge(post.headers);
  if (!found) {
    checks.push(
      fail(
        'challenge.header-name',
        'WWW-Authenticate present under its real name',
        'The 401 has no WWW-Authenticate header, so clients cannot discover the authorization server',
        'Send WWW-Authenticate: Bearer resource_metadata="<PRM URL>", scope="<scopes>" with every 401',
      ),
    );
    return { id: 'challenge', title: 'Unauthenticated requests are challenged', checks };
  }
  checks.push(
    found.remapped
      ? fail(
          'challenge.header-name',
          'WWW-Authenticate present under its real name',
          'The challenge arrives as x-amzn-Remapped-WWW-Authenticate: API Gateway renamed it and clients never see it',
          'Serve MCP from a Lambda Function URL (or a root custom domain), or return the 401 through a GatewayResponse',
          { detail: found.value },
        )
      : pass('challenge.header-name', 'WWW-Authenticate present under its real name'),
  );
  const bearer = bearerOf(found.value);
  if (!bearer) {
    checks.push(
      fail(
        'challenge.bearer',
        'Challenge uses the Bearer scheme',
        `The challenge is "${found.value}", not Bearer`,
        'Use the Bearer scheme (RFC 6750)',
      ),
    );
    return { id: 'challenge', title: 'Unauthenticated requests are challenged', checks };
  }
  checks.push(pass('challenge.bearer', 'Challenge uses the Bearer scheme'));
  ctx.found.challengeParams = bearer.params;
  const rm = bearer.params.resource_metadata;
  let rmOk = false;
  try {
    rmOk = rm !== undefined && /^https?:$/.test(new URL(rm).protocol);
  } catch {}
  checks.push(
    rmOk
      ? pass('challenge.resource-metadata', 'Challenge names resource_metadata', { detail: rm })
      : fail(
          'challenge.resource-metadata',
          'Challenge names resource_metadata',
          rm ? `resource_metadata "${rm}" is not an absolute http(s) URL` : 'The challenge has no resource_metadata',
          'Add resource_metadata="<origin>/.well-known/oauth-protected-resource<path>" (RFC 9728 section 5.1)',
        ),
  );
  const scope = bearer.params.scope;
  if (scope) ctx.found.requiredScopes = scope.split(' ').filter(Boolean);
  checks.push(
    scope
      ? pass('challenge.scope', 'Challenge names the scope', { detail: scope })
      : fail(
          'challenge.scope',
          'Challenge names the scope',
          'The challenge has no scope parameter, so clients do not know which scopes to request',
          'Add scope="<required scopes>" to the challenge (MCP scope selection)',
        ),
  );
  if (get.ok && get.status === 401 && !findChallenge(get.headers)) {
    checks.push(
      fail(
        'challenge.get-header',
        'GET 401 carries the challenge too',
        'The GET 401 has no WWW-Authenticate header',
        'Send the same challenge on every 401',
      ),
    );
  }
  return { id: 'challenge', title: 'Unauthenticated requests are challenged', checks };
}
