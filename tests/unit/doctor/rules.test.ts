// The doctor's pure rules: challenge parsing, resource differences, PRM discovery order, unverified token
// decoding, arrival classification, and the claim checks built on them.
import { describe, expect, it } from 'vitest';
import { bearerOf, findChallenge, parseChallenges } from '../../../doctor/challenge.ts';
import { describeError, resolutionFix, unresolvedHost } from '../../../doctor/probe.ts';
import { exitCodeOf, renderText, reportOk } from '../../../doctor/report.ts';
import { tokenClaimChecks } from '../../../doctor/step-token.ts';
import { classifyArrivals } from '../../../doctor/stream.ts';
import { audiences, decodeUnverified, tokenScopes } from '../../../doctor/token.ts';
import { describeDifferences, prmCandidates, resourceDifferences } from '../../../doctor/urls.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (payload: unknown, header: unknown = { alg: 'RS256', typ: 'at+jwt' }) =>
  `${b64(header)}.${b64(payload)}.c2lnbmF0dXJl`;

describe('parseChallenges', () => {
  it('reads quoted params holding commas, escaped quotes and spaces', () => {
    const [c] = parseChallenges(
      'Bearer resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", scope="mcp:tools mcp:admin", error="invalid_token", error_description="a, \\"b\\""',
    );
    expect(c!.scheme).toBe('Bearer');
    expect(c!.params).toEqual({
      resource_metadata: 'https://x.example/.well-known/oauth-protected-resource/mcp',
      scope: 'mcp:tools mcp:admin',
      error: 'invalid_token',
      error_description: 'a, "b"',
    });
  });

  it('finds Bearer among several schemes, with lower-cased param names and token values', () => {
    const header = 'Basic realm="x", Negotiate abc==, bearer Scope=mcp:tools, Resource_Metadata="https://m/p"';
    expect(parseChallenges(header).map((c) => c.scheme)).toEqual(['Basic', 'Negotiate', 'bearer']);
    expect(bearerOf(header)?.params).toEqual({ scope: 'mcp:tools', resource_metadata: 'https://m/p' });
  });

  it('a bare "Bearer" has no params; no Bearer gives undefined', () => {
    expect(bearerOf('Bearer')).toEqual({ scheme: 'Bearer', params: {} });
    expect(bearerOf('Basic realm="x"')).toBeUndefined();
    expect(bearerOf('')).toBeUndefined();
  });

  it('findChallenge prefers the real header and reports a remapped one', () => {
    const both = new Headers({ 'www-authenticate': 'Bearer', 'x-amzn-Remapped-WWW-Authenticate': 'Bearer x="1"' });
    expect(findChallenge(both)).toEqual({ name: 'WWW-Authenticate', value: 'Bearer', remapped: false });
    const remapped = new Headers({ 'x-amzn-Remapped-WWW-Authenticate': 'Bearer scope="a"' });
    expect(findChallenge(remapped)?.remapped).toBe(true);
    expect(findChallenge(new Headers())).toBeUndefined();
  });
});

describe('resourceDifferences', () => {
  const used = 'https://mcp.example.com/mcp';
  it.each([
    ['https://mcp.example.com/mcp', []],
    ['https://mcp.example.com/mcp/', ['trailing-slash']],
    ['http://mcp.example.com/mcp', ['scheme']],
    ['https://abc.lambda-url.eu-west-1.on.aws/mcp', ['host']],
    ['https://mcp.example.com:8443/mcp', ['port']],
    ['https://mcp.example.com/prod/mcp', ['path']],
    ['https://mcp.example.com/', ['path']],
    ['http://internal:3000/mcp/', ['scheme', 'host', 'trailing-slash']],
    ['https://mcp.example.com/mcp?x=1', ['query']],
    ['not a url', ['unparsable']],
  ])('%s → %j', (advertised, diffs) => {
    expect(resourceDifferences(used, advertised)).toEqual(diffs);
  });

  it('a string difference that normalises away still counts (clients compare strings)', () => {
    expect(resourceDifferences('https://mcp.example.com/mcp', 'https://MCP.example.com:443/mcp')).not.toEqual([]);
  });

  it('describes differences in words', () => {
    expect(describeDifferences(['trailing-slash', 'host'])).toBe('trailing slash, host');
  });
});

describe('discovery URLs', () => {
  it('PRM: the challenge URL first, then path-suffixed and root well-known, without duplicates', () => {
    expect(
      prmCandidates('https://x.example/mcp', 'https://x.example/.well-known/oauth-protected-resource/mcp'),
    ).toEqual([
      'https://x.example/.well-known/oauth-protected-resource/mcp',
      'https://x.example/.well-known/oauth-protected-resource',
    ]);
    expect(prmCandidates('https://x.example/mcp', 'https://other.example/prm')).toHaveLength(3);
    expect(prmCandidates('https://x.example/')).toEqual(['https://x.example/.well-known/oauth-protected-resource']);
  });
});

describe('token decoding (unverified)', () => {
  it('decodes a JWT and reads scope, scp and aud forms', () => {
    const d = decodeUnverified(jwt({ aud: ['a', 'b'], scope: 'x y' }));
    expect(d?.header.alg).toBe('RS256');
    expect(audiences(d!.payload)).toEqual(['a', 'b']);
    expect(tokenScopes(d!.payload)).toEqual(['x', 'y']);
    expect(tokenScopes({ scp: ['p', 1, 'q'] })).toEqual(['p', 'q']);
    expect(audiences({ aud: 'one' })).toEqual(['one']);
    expect(audiences({})).toEqual([]);
  });

  it('opaque or malformed tokens decode to undefined', () => {
    for (const t of ['opaque-token', 'a.b', `${b64([1])}.${b64({})}.s`, '!!.??.x', `${b64({})}.bm90IGpzb24.x`]) {
      expect(decodeUnverified(t)).toBeUndefined();
    }
  });
});

describe('tokenClaimChecks', () => {
  const url = 'https://mcp.example.com/mcp';
  const issuer = 'https://auth.example.com/realms/mcp';
  const ctx = { opts: { url }, found: { issuer, requiredScopes: ['mcp:tools'] } };
  const now = 1_800_000_000;
  const status = (checks: ReturnType<typeof tokenClaimChecks>) =>
    Object.fromEntries(checks.map((c) => [c.id, c.status]));

  it('a good token passes iss, aud, exp and scopes', () => {
    const t = jwt({ iss: issuer, aud: [url, 'account'], exp: now + 60, scope: 'mcp:tools' });
    expect(status(tokenClaimChecks(t, ctx, now))).toEqual({
      'token.decode': 'info',
      'token.iss': 'pass',
      'token.aud': 'pass',
      'token.exp': 'pass',
      'token.scopes': 'pass',
      'token.profile': 'info',
    });
  });

  it("Keycloak's default aud (account) fails and says how to fix it", () => {
    const [, , aud] = tokenClaimChecks(
      jwt({ iss: issuer, aud: 'account', exp: now + 60, scope: 'mcp:tools' }),
      ctx,
      now,
    );
    expect(aud!.status).toBe('fail');
    expect(aud!.cause).toBe(`aud is account, not ${url}`);
    expect(aud!.fix).toContain(`resource=${url}`);
  });

  it('an aud with a trailing slash is named as such', () => {
    const [, , aud] = tokenClaimChecks(jwt({ iss: issuer, aud: `${url}/`, exp: now + 60 }), ctx, now);
    expect(aud!.cause).toContain('differs in: trailing slash');
  });

  it('wrong iss, no aud, expired, missing exp and missing scopes all fail', () => {
    expect(status(tokenClaimChecks(jwt({ iss: `${issuer}/`, exp: now - 5 }), ctx, now))).toEqual({
      'token.decode': 'info',
      'token.iss': 'fail',
      'token.aud': 'fail',
      'token.exp': 'fail',
      'token.scopes': 'fail',
      'token.profile': 'info',
    });
    const noExp = tokenClaimChecks(jwt({ iss: issuer, aud: url, scope: 'mcp:tools' }), ctx, now);
    expect(noExp.find((c) => c.id === 'token.exp')?.cause).toContain('no exp');
  });

  it('the AS metadata issuer wins over the PRM one', () => {
    const t = jwt({ iss: 'https://real/realms/mcp', aud: url, exp: now + 60, scope: 'mcp:tools' });
    const c = tokenClaimChecks(
      t,
      { ...ctx, found: { ...ctx.found, asMetadata: { issuer: 'https://real/realms/mcp' } } },
      now,
    );
    expect(c.find((x) => x.id === 'token.iss')?.status).toBe('pass');
  });

  it('an opaque token is a warning, not a failure, and no claim checks follow', () => {
    const c = tokenClaimChecks('opaque', ctx, now);
    expect(c.map((x) => [x.id, x.status])).toEqual([['token.decode', 'warn']]);
  });
});

describe('classifyArrivals', () => {
  it('streamed when the spread is at least half the emitted spread', () => {
    expect(classifyArrivals([0, 300, 600, 900, 1200], 1200)).toEqual({
      verdict: 'streamed',
      spreadMs: 1200,
      expectedSpreadMs: 1200,
    });
    expect(classifyArrivals([10, 620], 1200).verdict).toBe('streamed');
  });

  it('buffered when chunks land together', () => {
    expect(classifyArrivals([1201, 1201.3, 1201.5, 1202], 1200).verdict).toBe('buffered');
    expect(classifyArrivals([0, 500], 1200).verdict).toBe('buffered');
  });

  it('too few arrivals cannot be judged', () => {
    expect(classifyArrivals([5], 1200).verdict).toBe('too-few');
    expect(classifyArrivals([], 1200).verdict).toBe('too-few');
  });
});

describe('report', () => {
  const report = (statuses: Array<'pass' | 'fail' | 'warn'>) => {
    const steps = [
      {
        id: 's',
        title: 'Step',
        checks: statuses.map((status, i) =>
          status === 'pass'
            ? { id: `c${i}`, title: `check ${i}`, status }
            : { id: `c${i}`, title: `check ${i}`, status, cause: `cause ${i}`, fix: `fix ${i}` },
        ),
      },
    ];
    return { url: 'u', ok: reportOk(steps), startedAt: '', durationMs: 0, steps };
  };

  it('a failure fails the run; a warning does not', () => {
    expect(exitCodeOf(report(['pass', 'warn']))).toBe(0);
    expect(exitCodeOf(report(['pass', 'fail']))).toBe(1);
  });

  it('renders ✓/✗ with cause and fix lines, without colour unless asked', () => {
    const text = renderText(report(['pass', 'fail']));
    expect(text).toContain('1. Step\n   ✓ check 0\n   ✗ check 1\n       cause: cause 1\n       fix:   fix 1\n');
    expect(text).toContain('1 check(s) failed');
    expect(text).not.toContain('\x1b[');
    expect(renderText(report(['fail']), true)).toContain('\x1b[31m✗\x1b[0m');
  });
});

describe('network errors in words', () => {
  // What undici's fetch rejects with when getaddrinfo cannot resolve the URL's host.
  const enotfound = (hostname: string, code = 'ENOTFOUND') =>
    Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, syscall: 'getaddrinfo', hostname }),
    });

  it('an unresolvable host is named as such, not as a bare ENOTFOUND', () => {
    const err = enotfound('mcp.localhost');
    expect(unresolvedHost(err)).toBe('mcp.localhost');
    expect(describeError(err)).toBe('the host name mcp.localhost does not resolve on this machine (ENOTFOUND)');
    expect(describeError(enotfound('mcp.example.com', 'EAI_AGAIN'))).toBe(
      'the host name mcp.example.com does not resolve on this machine (EAI_AGAIN)',
    );
  });

  it('other failures keep their code', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(unresolvedHost(refused)).toBeUndefined();
    expect(describeError(refused)).toBe('ECONNREFUSED');
    expect(describeError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timed out');
  });

  it('the fix for a localhost name is the /etc/hosts line; for others, the DNS', () => {
    expect(resolutionFix('mcp.localhost')).toContain('Add "127.0.0.1 mcp.localhost" to /etc/hosts');
    expect(resolutionFix('mcp.example.com')).toBe(
      'Check the host name in the URL and its DNS record (mcp.example.com)',
    );
  });
});
