// biome-ignore-all lint/suspicious/noExplicitAny: the test walks free-form YAML documents
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { yamlParse } from 'yaml-cfn';
import { loadTraefikConfig, MCP_HOSTS, renderTraefikConfig } from '../../../local/traefik.ts';
import { pickRouter } from './rule-matcher.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const source = await loadTraefikConfig(path.join(repoRoot, 'traefik'));
const http = Object.values(source.dynamic).reduce(
  (acc, d) => ({
    routers: { ...acc.routers, ...d.http?.routers },
    middlewares: { ...acc.middlewares, ...d.http?.middlewares },
    services: { ...acc.services, ...d.http?.services },
  }),
  { routers: {}, middlewares: {}, services: {} } as Record<'routers' | 'middlewares' | 'services', Record<string, any>>,
);

// "ANY /mcp", "GET /.well-known/oauth-protected-resource/*" ... from every function in template.yaml.
const template = yamlParse(readFileSync(path.join(repoRoot, 'template.yaml'), 'utf8')) as any;
const routes: { fn: string; method: string; path: string }[] = [];
for (const [fn, res] of Object.entries<any>(template.Resources)) {
  for (const r of res.Metadata?.Routes ?? []) {
    const [method, p] = String(r).split(/\s+/);
    routes.push({ fn, method: method!, path: p! });
  }
}
// ANY stands for the methods the transports use; a trailing * becomes a concrete sub-path. Every route on every
// name the launcher may print (the seed's mcp.localhost, and localhost / 127.0.0.1 where *.localhost does not resolve).
const samples = routes.flatMap((r) =>
  (r.method === 'ANY' ? ['GET', 'POST', 'DELETE', 'OPTIONS'] : [r.method]).flatMap((method) =>
    MCP_HOSTS.map((name) => ({
      ...r,
      method,
      path: r.path.endsWith('*') ? `${r.path.slice(0, -1)}mcp` : r.path,
      host: `${name}:8443`,
    })),
  ),
);

const kinds = (router: any) => (router.middlewares ?? []).map((m: string) => Object.keys(http.middlewares[m] ?? {})[0]);
const isStream = (s: { method: string; path: string }) =>
  s.method === 'GET' && (s.path === '/mcp' || s.path === '/sse');

describe('the Traefik routers cover the local host', () => {
  it('finds the routes in template.yaml', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'ANY /mcp',
        'GET /sse',
        'POST /messages/',
        'GET /.well-known/oauth-protected-resource/*',
      ]),
    );
  });

  it.each(samples)('$method $host$path ($fn) has a TLS router on websecure to the local host', (s) => {
    const hit = pickRouter(http.routers, s);
    expect(hit, `no router for ${s.method} ${s.path}`).toBeDefined();
    const [, router] = hit!;
    expect(router.entryPoints).toEqual(['websecure']);
    expect(router.tls).toBeDefined();
    expect(router.service).toBe('mcp-host');
    expect(http.services[router.service].loadBalancer.servers[0].url).toBe('http://127.0.0.1:3000');
  });

  it.each(samples)('$method $host$path gets the right limit', (s) => {
    const [name, router] = pickRouter(http.routers, s)!;
    const k = kinds(router);
    if (s.path.startsWith('/.well-known/')) {
      expect(k, name).not.toContain('rateLimit');
      expect(k, name).not.toContain('inFlightReq');
    } else if (isStream(s)) {
      expect(k, name).toEqual(['inFlightReq']);
    } else {
      expect(k, name).toEqual(['rateLimit']);
    }
  });

  it('no MCP router carries buffering (or compress, retry, errors) middleware', () => {
    const banned = ['buffering', 'compress', 'retry', 'errors'];
    for (const [name, router] of Object.entries<any>(http.routers)) {
      if (router.service !== 'mcp-host') continue;
      for (const kind of kinds(router)) expect(banned, `${name} uses ${kind}`).not.toContain(kind);
    }
    // chains could hide one: there are none
    for (const m of Object.values<any>(http.middlewares)) expect(Object.keys(m)).not.toContain('chain');
  });

  describe('the expensive tool gets a stricter limit, recognised by the 2026-07-28 routing headers', () => {
    const call = (headers: Record<string, string | string[]>, method = 'POST', path = '/mcp') =>
      pickRouter(http.routers, { host: 'mcp.localhost:8443', method, path, headers });
    const STREAM_DEMO = { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'stream_demo' };

    it('a tools/call of stream_demo gets the seed limit and its own, stricter one', () => {
      const [name, router] = call(STREAM_DEMO)!;
      expect(name).toBe('mcp-expensive');
      expect(kinds(router)).toEqual(['rateLimit', 'rateLimit']);
      expect(router.middlewares).toEqual(['mcp-rl', 'mcp-rl-expensive']);
      expect(router.service).toBe('mcp-host');
      expect(router.tls).toBeDefined();
      const strict = http.middlewares['mcp-rl-expensive'].rateLimit;
      const perSecond = (rl: { average: number; period: string }) =>
        rl.average / (rl.period.endsWith('m') ? 60 * Number.parseFloat(rl.period) : Number.parseFloat(rl.period));
      expect(perSecond(strict)).toBeLessThan(perSecond(http.middlewares['mcp-rl'].rateLimit));
      expect(strict.burst).toBeLessThan(http.middlewares['mcp-rl'].rateLimit.burst);
      expect(strict.sourceCriterion).toEqual({ ipStrategy: { depth: 0 } });
    });

    it('header names match in any case; a repeated Mcp-Name that includes stream_demo is held to it too', () => {
      expect(call({ 'mcp-method': 'tools/call', 'MCP-NAME': 'stream_demo' })?.[0]).toBe('mcp-expensive');
      expect(call({ 'Mcp-Method': 'tools/call', 'Mcp-Name': ['echo', 'stream_demo'] })?.[0]).toBe('mcp-expensive');
    });

    it('other tools, other methods, values in another case, and 2025 requests (no such headers) keep the seed limit', () => {
      const cases: Array<Record<string, string>> = [
        { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' },
        { 'Mcp-Method': 'tools/list' },
        { 'Mcp-Method': 'prompts/get', 'Mcp-Name': 'stream_demo' },
        { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'STREAM_DEMO' },
        { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'stream_demo,echo' },
        {},
      ];
      for (const headers of cases) expect(call(headers)?.[0], JSON.stringify(headers)).toBe('mcp');
    });

    it('the headers do not pull a GET stream or another path into it', () => {
      expect(call(STREAM_DEMO, 'GET')?.[0]).toBe('mcp-streams');
      expect(call(STREAM_DEMO, 'POST', '/messages/')?.[0]).toBe('mcp');
      expect(call(STREAM_DEMO, 'GET', '/.well-known/oauth-protected-resource/mcp')?.[0]).toBe('mcp-well-known');
    });
  });

  it('the MCP service flushes every write at once', () => {
    expect(http.services['mcp-host'].loadBalancer.responseForwarding.flushInterval).toMatch(/^-\d/);
  });

  it('the rate limit is the seed one: average 50, burst 25, period 1s, per source IP', () => {
    const rl = http.middlewares['mcp-rl'].rateLimit;
    expect({ average: rl.average, burst: rl.burst, period: rl.period }).toEqual({
      average: 50,
      burst: 25,
      period: '1s',
    });
    // depth 0 = the TCP peer, never a client-supplied X-Forwarded-For entry
    expect(rl.sourceCriterion).toEqual({ ipStrategy: { depth: 0 } });
  });

  it('streams are capped per source IP, not per Host (inFlightReq defaults to requestHost)', () => {
    const f = http.middlewares['mcp-streams'].inFlightReq;
    expect(f.amount).toBeGreaterThan(1);
    expect(f.sourceCriterion).toEqual({ ipStrategy: { depth: 0 } });
  });

  it('other hosts and paths do not fall into the MCP routers', () => {
    expect(pickRouter(http.routers, { host: 'evil.localhost', method: 'POST', path: '/mcp' })).toBeUndefined();
    expect(pickRouter(http.routers, { host: 'mcp.localhost', method: 'GET', path: '/admin' })).toBeUndefined();
    expect(pickRouter(http.routers, { host: 'mcp.localhost', method: 'GET', path: '/mcpx' })).toBeUndefined();
    // /.well-known/ is exempt only for the PRM: other well-known paths are not routed at all
    expect(
      pickRouter(http.routers, { host: 'mcp.localhost', method: 'GET', path: '/.well-known/foo' }),
    ).toBeUndefined();
  });

  it('auth.localhost goes to the AS on 127.0.0.1:8080 over TLS, with every path passed through', () => {
    for (const path of ['/.well-known/oauth-authorization-server/realms/mcp', '/admin/', '/mcp']) {
      const hit = pickRouter(http.routers, { host: 'auth.localhost', method: 'GET', path });
      expect(hit?.[0], path).toBe('auth');
      expect(hit?.[1].tls).toBeDefined();
    }
    expect(http.services.auth.loadBalancer.servers[0].url).toBe('http://127.0.0.1:8080');
  });

  it('on localhost and 127.0.0.1 the AS answers under its own paths, and the MCP paths stay with the host', () => {
    for (const host of ['localhost:8443', '127.0.0.1:8443']) {
      for (const path of [
        '/realms/mcp/.well-known/openid-configuration',
        '/realms/mcp/protocol/openid-connect/auth',
        '/resources/x/login.css',
        '/.well-known/oauth-authorization-server/realms/mcp',
      ]) {
        expect(pickRouter(http.routers, { host, method: 'GET', path })?.[0], `${host}${path}`).toBe('auth');
      }
      expect(pickRouter(http.routers, { host, method: 'POST', path: '/mcp' })?.[0]).toBe('mcp');
      expect(
        pickRouter(http.routers, { host, method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' })?.[0],
      ).toBe('mcp-well-known');
      expect(pickRouter(http.routers, { host, method: 'GET', path: '/admin' })).toBeUndefined();
    }
  });

  it('the static config: web redirects to websecure, X-Forwarded-* trusted from nobody, Authorization dropped', () => {
    const st = source.static;
    expect(st.entryPoints.web.http.redirections.entryPoint).toMatchObject({ to: 'websecure', scheme: 'https' });
    for (const ep of ['web', 'websecure']) {
      expect(st.entryPoints[ep].forwardedHeaders).toEqual({ insecure: false, trustedIPs: [] });
    }
    expect(st.accessLog.format).toBe('json');
    expect(st.accessLog.fields.headers.names.Authorization).toBe('drop');
    expect(st.ping.entryPoint).toBe('traefik');
    expect(st.providers.file.directory).toBe('traefik/dynamic');
  });

  it('the rendered copy moves only ports and cert paths', () => {
    const r = renderTraefikConfig(source, {
      hostPort: 3999,
      asPort: 8999,
      httpsPort: 9443,
      certFile: '/c/tls.crt',
      keyFile: '/c/tls.key',
      dynamicDir: '/run/dynamic',
    });
    expect(r.static.entryPoints.websecure.address).toBe('127.0.0.1:9443');
    expect(r.static.entryPoints.web.address).toBe('127.0.0.1:8000');
    expect(r.static.providers.file).toEqual({ directory: '/run/dynamic', watch: true });
    expect(r.dynamic['mcp.yml']!.http.services['mcp-host'].loadBalancer.servers).toEqual([
      { url: 'http://127.0.0.1:3999' },
    ]);
    expect(r.dynamic['auth.yml']!.http.services.auth.loadBalancer.servers).toEqual([{ url: 'http://127.0.0.1:8999' }]);
    expect(r.dynamic['tls.yml']!.tls.stores.default.defaultCertificate).toEqual({
      certFile: '/c/tls.crt',
      keyFile: '/c/tls.key',
    });
    expect(r.dynamic['mcp.yml']!.http.middlewares).toEqual(http.middlewares);
    // the source is untouched
    expect(source.static.entryPoints.websecure.address).toBe('127.0.0.1:8443');
  });
});
