// URL rules a client applies: how a PRM `resource` differs from the URL it used, and where it looks for
// the PRM (the AS metadata order is lib/auth/discovery.ts, shared with the server and `npm run token`).
//
//   resourceDifferences(used, advertised): ResourceDifference[]   [] when equal; pure
//   describeDifferences(diffs): string                            e.g. "trailing slash, host"
//   prmCandidates(mcpUrl, challengeUrl?): string[]                challenge URL, path-suffixed, root well-known

export type ResourceDifference = 'trailing-slash' | 'scheme' | 'host' | 'port' | 'path' | 'query' | 'unparsable';

const LABELS: Record<ResourceDifference, string> = {
  'trailing-slash': 'trailing slash',
  scheme: 'scheme',
  host: 'host',
  port: 'port',
  path: 'path',
  query: 'query',
  unparsable: 'not a URL',
};

const stripSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Pure: every way `advertised` differs from `used`. Exact string equality is the only match clients accept. */
export function resourceDifferences(used: string, advertised: string): ResourceDifference[] {
  if (used === advertised) return [];
  let a: URL;
  let b: URL;
  try {
    a = new URL(used);
    b = new URL(advertised);
  } catch {
    return ['unparsable'];
  }
  const diffs: ResourceDifference[] = [];
  if (a.protocol !== b.protocol) diffs.push('scheme');
  if (a.hostname !== b.hostname) diffs.push('host');
  // A port difference that only comes from the scheme change is part of 'scheme'.
  else if (a.port !== b.port) diffs.push('port');
  if (a.pathname !== b.pathname) {
    if (stripSlash(a.pathname) === stripSlash(b.pathname)) diffs.push('trailing-slash');
    else diffs.push('path');
  }
  if (a.search !== b.search) diffs.push('query');
  // Same URL after normalisation (e.g. default port, case of the host) still differs as a string.
  return diffs.length ? diffs : ['path'];
}

export function describeDifferences(diffs: readonly ResourceDifference[]): string {
  return diffs.map((d) => LABELS[d]).join(', ');
}

/** RFC 9728 section 3.1: the well-known prefix goes between the host and the resource's path. */
export function prmCandidates(mcpUrl: string, challengeUrl?: string): string[] {
  const u = new URL(mcpUrl);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const list = [
    ...(challengeUrl ? [challengeUrl] : []),
    `${u.origin}/.well-known/oauth-protected-resource${path}`,
    `${u.origin}/.well-known/oauth-protected-resource`,
  ];
  return [...new Set(list)];
}
