// Issue #22: the names `npm start -- --traefik` prints must resolve for Node clients. The resolution check, the
// /etc/hosts hint, the fallback from the seed's mcp.localhost, and the switch that alone turns Traefik on. A fake
// resolver stands in for getaddrinfo so that each machine's own /etc/hosts cannot change the verdicts; one case
// asks the real resolver about `localhost`.
import { describe, expect, it } from 'vitest';
import {
  checkHostName,
  checkHostNames,
  hostNameAdvice,
  hostsLine,
  isLoopbackAddress,
  type Lookup,
} from '../../../local/host-names.ts';
import { chooseMcpHost, MCP_HOSTS, traefikRequested, traefikUrls } from '../../../local/traefik.ts';

/** getaddrinfo on a machine without *.localhost resolution (glibc, no systemd-resolved, no hosts line). */
function resolver(table: Record<string, string[]>): Lookup & { asked: string[] } {
  const asked: string[] = [];
  const fn = async (host: string) => {
    asked.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address }));
  };
  return Object.assign(fn, { asked });
}

const glibc = resolver({ localhost: ['127.0.0.1'], 'auth.example.com': ['203.0.113.7'] });
const withHostsLine = resolver({ localhost: ['127.0.0.1', '::1'], 'mcp.localhost': ['127.0.0.1'] });

describe('isLoopbackAddress', () => {
  it('knows 127/8, ::1 and IPv4-mapped loopback, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', '203.0.113.7', '128.0.0.1'])
      expect(isLoopbackAddress(a), a).toBe(false);
  });
});

describe('checkHostName', () => {
  it('a name that does not resolve carries the resolver code', async () => {
    expect(await checkHostName('mcp.localhost', glibc)).toEqual({
      host: 'mcp.localhost',
      addresses: [],
      loopback: false,
      mustBeLoopback: true,
      error: 'ENOTFOUND',
    });
  });

  it('IP literals are not looked up', async () => {
    const r = resolver({});
    expect(await checkHostName('127.0.0.1', r)).toMatchObject({ loopback: true, addresses: ['127.0.0.1'] });
    expect(await checkHostName('[::1]', r)).toMatchObject({ loopback: true });
    expect(r.asked).toEqual([]);
  });

  it('a *.localhost name that resolves off loopback is flagged; other names need only resolve', async () => {
    const odd = resolver({ 'mcp.localhost': ['192.0.2.1'], 'auth.example.com': ['203.0.113.7'] });
    const [mcp, ext] = await checkHostNames(['mcp.localhost', 'auth.example.com', 'mcp.localhost'], odd);
    expect(mcp).toMatchObject({ mustBeLoopback: true, loopback: false, addresses: ['192.0.2.1'] });
    expect(ext).toMatchObject({ mustBeLoopback: false, loopback: false, addresses: ['203.0.113.7'] });
    expect(hostNameAdvice([ext!])).toEqual([]);
    expect(hostNameAdvice([mcp!])[0]).toContain('mcp.localhost resolves to 192.0.2.1, not to loopback');
  });

  it('a resolver that hangs is cut off', async () => {
    const hang: Lookup = () => new Promise(() => {});
    expect(await checkHostName('slow.example', hang, 20)).toMatchObject({ addresses: [], error: 'timeout' });
  });

  it('the real resolver finds localhost on loopback', async () => {
    expect(await checkHostName('localhost')).toMatchObject({ loopback: true, mustBeLoopback: true });
  });
});

describe('the /etc/hosts hint', () => {
  it('is the exact line, each name once', () => {
    expect(hostsLine(['mcp.localhost', 'auth.localhost', 'mcp.localhost'])).toBe(
      '127.0.0.1 mcp.localhost auth.localhost',
    );
  });

  it('names every unresolvable printed name, with the line for the localhost ones', async () => {
    const checks = await checkHostNames(['mcp.localhost', '127.0.0.1', 'auth.localhost', 'gone.example'], glibc);
    const advice = hostNameAdvice(checks);
    expect(advice).toHaveLength(2);
    expect(advice[0]).toContain('mcp.localhost does not resolve on this machine (ENOTFOUND)');
    expect(advice[0]).toContain('auth.localhost does not resolve on this machine (ENOTFOUND)');
    expect(advice[0]).toMatch(/Add this line to \/etc\/hosts: 127\.0\.0\.1 mcp\.localhost auth\.localhost$/);
    expect(advice[1]).toBe(
      'gone.example does not resolve on this machine (ENOTFOUND): clients cannot reach URLs on it; check the name and its DNS',
    );
  });

  it('says nothing when every name works', async () => {
    expect(hostNameAdvice(await checkHostNames(['mcp.localhost', 'localhost', '127.0.0.1'], withHostsLine))).toEqual(
      [],
    );
  });
});

describe('chooseMcpHost: the name in the URLs behind Traefik', () => {
  it("keeps the seed's mcp.localhost where it resolves to loopback, silently", async () => {
    expect(await chooseMcpHost(undefined, withHostsLine)).toEqual({ host: 'mcp.localhost', notes: [] });
  });

  it('falls back to localhost where it does not, and says so with the line that would bring it back', async () => {
    const { host, notes } = await chooseMcpHost(undefined, glibc);
    expect(host).toBe('localhost');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('the URLs use localhost: mcp.localhost does not resolve (ENOTFOUND)');
    expect(notes[0]).toContain(
      'add this line to /etc/hosts (then TRAEFIK_HOST=mcp.localhost): 127.0.0.1 mcp.localhost auth.localhost',
    );
    expect(traefikUrls({ httpsPort: 8443, mcpHost: host }).mcp).toBe('https://localhost:8443/mcp');
  });

  it('ends at 127.0.0.1, which needs no resolver at all', async () => {
    expect((await chooseMcpHost(undefined, resolver({}))).host).toBe('127.0.0.1');
  });

  it('an explicit TRAEFIK_HOST is kept, with the hosts line when it does not resolve; unknown names are refused', async () => {
    const { host, notes } = await chooseMcpHost('mcp.localhost', glibc);
    expect(host).toBe('mcp.localhost');
    expect(notes[0]).toContain('Add this line to /etc/hosts: 127.0.0.1 mcp.localhost');
    await expect(chooseMcpHost('mcp.example.com', glibc)).rejects.toThrow(
      /TRAEFIK_HOST must be one of mcp\.localhost, localhost, 127\.0\.0\.1/,
    );
    expect(MCP_HOSTS).toEqual(['mcp.localhost', 'localhost', '127.0.0.1']);
  });
});

describe('traefikRequested: what switches Traefik on', () => {
  it('only --traefik or TRAEFIK=true|1; a binary path is not asked about at all', () => {
    expect(traefikRequested(false, undefined)).toBe(false);
    expect(traefikRequested(false, '')).toBe(false);
    expect(traefikRequested(false, 'false')).toBe(false);
    expect(traefikRequested(false, '0')).toBe(false);
    expect(traefikRequested(true, undefined)).toBe(true);
    expect(traefikRequested(false, 'true')).toBe(true);
    expect(traefikRequested(false, ' TRUE ')).toBe(true);
    expect(traefikRequested(false, '1')).toBe(true);
    expect(() => traefikRequested(false, '/usr/local/bin/traefik')).toThrow('TRAEFIK must be true or false');
  });
});
