// Step 4 (with --token): the token's claims as the server will judge them (decoded, never trusted), then
// a real session: initialize, tools/list, and stream_demo timed chunk by chunk.

import { bearerOf, findChallenge } from './challenge.ts';
import type { StepContext } from './context.ts';
import { describeError } from './probe.ts';
import { profileAdvice } from './profile.ts';
import { type Check, fail, info, pass, type Step, skip, warn } from './report.ts';
import { openSession, type RpcExchange, type RpcSession, type TimedMessage } from './rpc.ts';
import { classifyArrivals } from './stream.ts';
import { audiences, decodeUnverified, tokenScopes } from './token.ts';
import { describeDifferences, resourceDifferences } from './urls.ts';

const TITLE = 'Access token and a real MCP session';

export function tokenClaimChecks(
  token: string,
  ctx: Pick<StepContext, 'found'> & { opts: { url: string } },
  nowSec = Date.now() / 1000,
): Check[] {
  const decoded = decodeUnverified(token);
  if (!decoded)
    return [
      warn(
        'token.decode',
        'Token decodes as a JWT (not verified)',
        'The token is not a JWT, so its claims cannot be checked here',
        'This server verifies JWT access tokens; ask the AS for a JWT (RFC 9068) access token',
      ),
    ];
  const { payload, header } = decoded;
  const advice = profileAdvice(payload, ctx.opts.url, ctx.found.requiredScopes);
  const configure = advice.settings.length ? `set ${advice.settings.join(' ')} on the server` : '';
  const checks: Check[] = [
    info('token.decode', 'Token decodes as a JWT (not verified)', {
      detail: `alg ${String(header.alg)}, typ ${String(header.typ ?? '-')}, sub ${String(payload.sub ?? '-')}`,
    }),
  ];
  const issuer = (ctx.found.asMetadata?.issuer as string | undefined) ?? ctx.found.issuer;
  if (issuer === undefined) checks.push(skip('token.iss', 'iss is the authorization server', 'issuer unknown'));
  else
    checks.push(
      payload.iss === issuer
        ? pass('token.iss', 'iss is the authorization server', { detail: issuer })
        : fail(
            'token.iss',
            'iss is the authorization server',
            `iss is ${JSON.stringify(payload.iss)} but the AS is ${issuer}`,
            `Get the token from the AS the PRM names (or set AUTH_ISSUER to the issuer that minted it${advice.profile === 'generic' ? '' : `, with AUTH_PROFILE=${advice.profile}`})`,
          ),
    );
  const url = ctx.opts.url;
  const aud = audiences(payload);
  const ownAudience = advice.profile === 'entra' || advice.profile === 'okta' || advice.profile === 'auth0';
  if (aud.includes(url)) checks.push(pass('token.aud', 'aud contains the MCP URL', { detail: aud.join(', ') }));
  else if (advice.profile === 'cognito')
    checks.push(
      info('token.aud', 'aud contains the MCP URL', {
        detail: `Cognito access tokens carry no aud; the server checks client_id instead: ${configure}`,
      }),
    );
  else if (ownAudience && aud.length)
    checks.push(
      warn(
        'token.aud',
        'aud contains the MCP URL',
        `aud is ${aud.join(', ')}: a ${advice.profile} API identifier, not ${url}`,
        `The server accepts it only when configured for it: ${configure}`,
        { data: { aud } },
      ),
    );
  else {
    const near = aud
      .map((a) => ({ a, d: resourceDifferences(url, a) }))
      .find((x) => !x.d.includes('host') && !x.d.includes('unparsable'));
    checks.push(
      fail(
        'token.aud',
        'aud contains the MCP URL',
        aud.length === 0
          ? 'The token has no aud claim; the server rejects tokens not minted for it'
          : `aud is ${aud.join(', ')}, not ${url}${near ? ` (${near.a} differs in: ${describeDifferences(near.d)})` : ''}`,
        `Request the token with resource=${url} (RFC 8707), or add an audience mapper for ${url} (Keycloak: oidc-audience-mapper)`,
        { data: { aud } },
      ),
    );
  }
  const exp = payload.exp;
  if (typeof exp !== 'number')
    checks.push(
      fail(
        'token.exp',
        'exp is in the future',
        'The token has no exp claim; the server requires one',
        'Use an AS that sets exp',
      ),
    );
  else if (exp <= nowSec)
    checks.push(
      fail(
        'token.exp',
        'exp is in the future',
        `The token expired ${Math.round(nowSec - exp)} s ago`,
        'Get a fresh token (npm run token)',
      ),
    );
  else checks.push(pass('token.exp', 'exp is in the future', { detail: `expires in ${Math.round(exp - nowSec)} s` }));
  const scopes = advice.profile === 'generic' ? tokenScopes(payload) : advice.scopes;
  const missing = ctx.found.requiredScopes.filter((s) => !scopes.includes(s));
  const prefixSetting = advice.settings.find((s) => s.startsWith('AUTH_SCOPE_PREFIX='));
  checks.push(
    missing.length === 0
      ? pass('token.scopes', 'Token has the required scopes', { detail: scopes.join(' ') || '(none required)' })
      : fail(
          'token.scopes',
          'Token has the required scopes',
          `The token lacks ${missing.join(' ')} (it has: ${scopes.join(' ') || 'none'})`,
          `Request scope "${ctx.found.requiredScopes.join(' ')}" when getting the token`,
        ),
  );
  if (missing.length === 0 && prefixSetting)
    checks[checks.length - 1]!.detail += ` (under a prefix: set ${prefixSetting} on the server)`;
  const title = 'Identity provider the token looks like';
  const detail = `${advice.profile} (${advice.why})${configure ? `; for such tokens ${configure}` : ''}`;
  checks.push(
    advice.refusal
      ? warn(
          'token.profile',
          title,
          `${detail}; but AUTH_PROFILE=${advice.profile} refuses this token: ${advice.refusal}`,
          'Send an access token issued for this server (not an ID token), from the issuer form the provider documents',
        )
      : info('token.profile', title, { detail }),
  );
  return checks;
}

/** Why the server refused a call, from its challenge (error, error_description) or its status. */
function refusal(x: RpcExchange): string {
  const found = findChallenge(x.headers);
  const params = found ? bearerOf(found.value)?.params : undefined;
  if (params?.error)
    return `${x.status} ${params.error}${params.error_description ? `: ${params.error_description}` : ''}`;
  const err = x.response?.error as { message?: string } | undefined;
  return `${x.status}${err?.message ? ` ${err.message}` : x.text ? ` ${x.text.slice(0, 120)}` : ''}`;
}

function refusalFix(x: RpcExchange): string {
  if (x.status === 401)
    return 'Fix the token claims above (iss, aud, exp) or check the server AUTH_ISSUER / AUTH_JWKS_URL';
  if (x.status === 403) return 'Request the scopes the server challenges for';
  return 'Check the server logs for this request';
}

export async function tokenStep(ctx: StepContext): Promise<Step> {
  const { token, url, timeoutMs, chunks, intervalMs } = ctx.opts;
  if (!token) {
    return {
      id: 'token',
      title: TITLE,
      checks: [skip('token', 'Token checks, tools/list and streaming', 'no token given (--token - or MCP_TOKEN)')],
    };
  }
  const checks = tokenClaimChecks(token, ctx);
  let session: RpcSession;
  try {
    session = await openSession(url, { token, timeoutMs });
  } catch (err) {
    checks.push(fail('mcp.initialize', 'initialize', `The request failed: ${describeError(err)}`, 'Check the URL'));
    return { id: 'token', title: TITLE, checks };
  }
  try {
    const init = session.initialize;
    if (!init.response?.result) {
      checks.push(fail('mcp.initialize', 'initialize with the token', `Refused: ${refusal(init)}`, refusalFix(init)));
      return { id: 'token', title: TITLE, checks };
    }
    checks.push(
      pass('mcp.initialize', 'initialize with the token', {
        detail: `protocol ${session.protocolVersion}${session.sessionId ? ', with a session' : ', stateless'}`,
      }),
    );
    const list = await session.call('tools/list', {});
    const tools = (list.response?.result as { tools?: Array<{ name?: string }> } | undefined)?.tools;
    if (!Array.isArray(tools)) {
      checks.push(fail('mcp.tools-list', 'tools/list', `Refused: ${refusal(list)}`, refusalFix(list)));
      return { id: 'token', title: TITLE, checks };
    }
    const names = tools.map((t) => String(t.name));
    checks.push(pass('mcp.tools-list', 'tools/list', { detail: `${names.length} tools: ${names.join(', ')}` }));
    if (!names.includes('stream_demo')) {
      checks.push(skip('mcp.stream', 'Streaming (stream_demo)', 'the server has no stream_demo tool'));
      return { id: 'token', title: TITLE, checks };
    }
    checks.push(await streamCheck(session, chunks, intervalMs));
  } catch (err) {
    checks.push(
      fail('mcp.session', 'MCP session', `The request failed: ${describeError(err)}`, 'Check the server logs'),
    );
  } finally {
    await session.close();
  }
  return { id: 'token', title: TITLE, checks };
}

async function streamCheck(session: RpcSession, chunks: number, intervalMs: number): Promise<Check> {
  const title = 'Streaming: stream_demo chunks arrive over time';
  const progressToken = `doctor-${Date.now()}`;
  const progress: number[] = [];
  const logs: number[] = [];
  const onEvent = ({ at, message }: TimedMessage) => {
    const params = message.params as { progressToken?: unknown } | undefined;
    if (message.method === 'notifications/progress' && params?.progressToken === progressToken) progress.push(at);
    else if (message.method === 'notifications/message') logs.push(at);
  };
  const x = await session.call(
    'tools/call',
    { name: 'stream_demo', arguments: { chunks, interval_ms: intervalMs }, _meta: { progressToken } },
    onEvent,
  );
  if (!x.response?.result) return fail('mcp.stream', title, `The call was refused: ${refusal(x)}`, refusalFix(x));
  const arrivals = progress.length >= 2 ? progress : logs;
  const expected = (chunks - 1) * intervalMs;
  const v = classifyArrivals(arrivals, expected);
  const data = {
    verdict: v.verdict,
    spreadMs: v.spreadMs,
    expectedSpreadMs: expected,
    arrivalsMs: arrivals.map((t) => Math.round(t - x.sentAt)),
    contentType: x.contentType,
  };
  if (v.verdict === 'streamed')
    return pass('mcp.stream', title, {
      detail: `streamed: ${arrivals.length} chunks over ${v.spreadMs} ms (emitted over ${expected} ms)`,
      data,
    });
  if (v.verdict === 'buffered')
    return fail(
      'mcp.stream',
      title,
      `buffered by something in front: ${arrivals.length} chunks emitted over ${expected} ms arrived within ${v.spreadMs} ms, at ${data.arrivalsMs.at(-1)} ms`,
      'Remove response buffering between client and server (proxy/CDN buffering, API Gateway without streaming, RESPONSE_MODE=buffered)',
      { data },
    );
  return fail(
    'mcp.stream',
    title,
    `Only ${arrivals.length} notification(s) arrived for ${chunks} chunks (answer: ${x.contentType || 'no content type'})`,
    'Answer tool calls with text/event-stream and send notifications as they happen',
    { data },
  );
}
