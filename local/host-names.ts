// Do the host names the local stack prints resolve for the clients that will use them? Browsers and curl answer
// `*.localhost` themselves, but Node, the MCP SDKs, MCP Inspector's CLI and `npm run token` ask getaddrinfo, which
// knows `mcp.localhost` only through /etc/hosts (or systemd-resolved / nss-myhostname). The launcher checks each
// printed name with the same resolver (dns.lookup), falls back to a name that works, and prints the /etc/hosts line
// that would make the other one work.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** How a name resolved: `addresses` empty and `error` set when it did not. */
export interface HostNameCheck {
  host: string;
  addresses: string[];
  /** Every address is a loopback address (an IP literal is checked as itself). */
  loopback: boolean;
  /** Names under `localhost` must reach this machine: they only make sense on loopback. */
  mustBeLoopback: boolean;
  /** getaddrinfo's code (ENOTFOUND, EAI_AGAIN...) or "timeout". */
  error?: string;
}

export type Lookup = (host: string) => Promise<Array<{ address: string }>>;

const defaultLookup: Lookup = (host) => dnsLookup(host, { all: true });

/** Pure: 127.0.0.0/8, ::1 and IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1';
}

/** Pure: `localhost` and `*.localhost` (RFC 6761), the names that can only mean this machine. */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Resolve one name the way Node clients will (bounded: a resolver without network may hang for seconds). */
export async function checkHostName(
  host: string,
  lookup: Lookup = defaultLookup,
  timeoutMs = 2_000,
): Promise<HostNameCheck> {
  const bare = host.replace(/^\[|\]$/g, '');
  const mustBeLoopback = isLocalhostName(bare);
  if (isIP(bare)) return { host, addresses: [bare], loopback: isLoopbackAddress(bare), mustBeLoopback };
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(bare),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
      }),
    ]);
    const addresses = found.map((f) => f.address);
    return { host, addresses, loopback: addresses.length > 0 && addresses.every(isLoopbackAddress), mustBeLoopback };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    return { host, addresses: [], loopback: false, mustBeLoopback, error: code };
  } finally {
    clearTimeout(timer);
  }
}

/** Each distinct host name once, in order. */
export async function checkHostNames(hosts: readonly string[], lookup?: Lookup): Promise<HostNameCheck[]> {
  return Promise.all([...new Set(hosts)].map((h) => checkHostName(h, lookup)));
}

/** Pure: a name clients cannot use as printed (a localhost name off loopback, or any name that does not resolve). */
export function isUnreachable(c: HostNameCheck): boolean {
  return c.addresses.length === 0 || (c.mustBeLoopback && !c.loopback);
}

/** Pure: the /etc/hosts line that maps these names to loopback, e.g. `127.0.0.1 mcp.localhost auth.localhost`. */
export function hostsLine(hosts: readonly string[]): string {
  return `127.0.0.1 ${[...new Set(hosts)].join(' ')}`;
}

/** Pure: what is wrong with a name, in words, e.g. `mcp.localhost does not resolve on this machine (ENOTFOUND)`. */
export function describeCheck(c: HostNameCheck): string {
  if (c.addresses.length === 0) return `${c.host} does not resolve on this machine (${c.error ?? 'no address'})`;
  if (c.mustBeLoopback && !c.loopback) return `${c.host} resolves to ${c.addresses.join(', ')}, not to loopback`;
  return `${c.host} resolves to ${c.addresses.join(', ')}`;
}

/**
 * Pure: one line per unreachable name, with the fix: the exact /etc/hosts line for localhost names (which must map
 * to this machine), a DNS hint for other names. Empty when every name works.
 */
export function hostNameAdvice(checks: readonly HostNameCheck[]): string[] {
  const bad = checks.filter(isUnreachable);
  const local = bad.filter((c) => c.mustBeLoopback);
  const other = bad.filter((c) => !c.mustBeLoopback);
  const lines: string[] = [];
  if (local.length) {
    lines.push(
      `${local.map(describeCheck).join('; ')}. Node clients (SDKs, MCP Inspector's CLI, npm run token) use getaddrinfo, ` +
        `which does not resolve *.localhost by itself. Add this line to /etc/hosts: ${hostsLine(local.map((c) => c.host))}`,
    );
  }
  for (const c of other) lines.push(`${describeCheck(c)}: clients cannot reach URLs on it; check the name and its DNS`);
  return lines;
}

/**
 * The first of `candidates` that clients on this machine reach (resolves, and to loopback for localhost names),
 * with the checks of the ones passed over. `undefined` when none does.
 */
export async function firstReachableHost(
  candidates: readonly string[],
  lookup?: Lookup,
): Promise<{ host: string | undefined; passedOver: HostNameCheck[] }> {
  const passedOver: HostNameCheck[] = [];
  for (const candidate of candidates) {
    const c = await checkHostName(candidate, lookup);
    if (!isUnreachable(c)) return { host: candidate, passedOver };
    passedOver.push(c);
  }
  return { host: undefined, passedOver };
}
