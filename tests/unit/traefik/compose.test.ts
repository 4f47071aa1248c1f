// biome-ignore-all lint/suspicious/noExplicitAny: the test walks a free-form YAML document
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { yamlParse } from 'yaml-cfn';
import { pickRouter } from './rule-matcher.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const compose = yamlParse(readFileSync(path.join(repoRoot, 'local', 'compose.yaml'), 'utf8')) as any;
// The compose stack's file provider: the fallback routers on localhost / 127.0.0.1.
const fallback = yamlParse(readFileSync(path.join(repoRoot, 'traefik', 'compose', 'localhost.yml'), 'utf8')) as any;

/** Compose's `${VAR:-default}` interpolation, with `vars` as the shell's environment. */
function interpolate(value: string, vars: Record<string, string> = {}): string {
  return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, dflt: string) => vars[name] || dflt);
}

/** Docker labels as a map: "a.b=c" -> { "a.b": "c" } (the first "=" splits). */
function labels(service: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of compose.services[service].labels ?? []) {
    const i = String(l).indexOf('=');
    out[String(l).slice(0, i)] = String(l).slice(i + 1);
  }
  return out;
}

/** Routers of one service as the Docker provider sees them. */
function routers(service: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(labels(service))) {
    const m = /^traefik\.http\.routers\.([^.]+)\.(.+)$/.exec(k);
    if (!m) continue;
    out[m[1]!] ??= {};
    const r = out[m[1]!];
    r[m[2]!.toLowerCase()] = v;
  }
  for (const r of Object.values(out)) if (r.priority) r.priority = Number(r.priority);
  return out;
}

describe('local/compose.yaml (the Docker-provider equivalent)', () => {
  it('has the stack services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['keycloak', 'localstack', 'mcp', 'pebble', 'traefik']);
  });

  it('publishes Traefik on loopback 8443/8000 and LocalStack on 4566', () => {
    expect(compose.services.traefik.ports).toEqual(['127.0.0.1:8443:443', '127.0.0.1:8000:80']);
    expect(compose.services.localstack.ports).toEqual(['127.0.0.1:4566:4566']);
    // the app and the AS are reachable only through Traefik
    expect(compose.services.mcp.ports).toBeUndefined();
    expect(compose.services.keycloak.ports).toBeUndefined();
  });

  it('carries the seed labels on the mcp service', () => {
    const l = labels('mcp');
    expect(l).toMatchObject({
      'traefik.enable': 'true',
      'traefik.http.routers.mcp.rule': 'Host(`mcp.localhost`)',
      'traefik.http.routers.mcp.entrypoints': 'websecure',
      'traefik.http.routers.mcp.tls': 'true',
      'traefik.http.routers.mcp.tls.certresolver': 'dev',
      'traefik.http.middlewares.mcp-rl.ratelimit.average': '50',
      'traefik.http.middlewares.mcp-rl.ratelimit.burst': '25',
      'traefik.http.middlewares.mcp-rl.ratelimit.period': '1s',
      'traefik.http.routers.mcp.middlewares': 'mcp-rl',
      'traefik.http.services.mcp.loadbalancer.server.port': String(compose.services.mcp.environment.PORT),
    });
  });

  it('keeps the same policy as traefik/dynamic: PRM exempt, streams on inFlightReq, no buffering', () => {
    const r = routers('mcp');
    const l = labels('mcp');
    const kind = (name: string | undefined) =>
      (name ?? '')
        .split(',')
        .filter(Boolean)
        .map(
          (m) =>
            Object.keys(l)
              .find((k) => k.startsWith(`traefik.http.middlewares.${m}.`))
              ?.split('.')[4],
        );
    const at = (method: string, p: string) => pickRouter(r, { host: 'mcp.localhost', method, path: p })!;
    expect(kind(at('GET', '/.well-known/oauth-protected-resource/mcp')[1].middlewares)).toEqual([]);
    expect(kind(at('GET', '/sse')[1].middlewares)).toEqual(['inflightreq']);
    expect(kind(at('GET', '/mcp')[1].middlewares)).toEqual(['inflightreq']);
    expect(kind(at('POST', '/mcp')[1].middlewares)).toEqual(['ratelimit']);
    expect(kind(at('POST', '/messages/')[1].middlewares)).toEqual(['ratelimit']);
    for (const k of Object.keys(l)) expect(k).not.toMatch(/\.(buffering|compress|retry|errors)\./);
    for (const router of Object.values(r)) {
      expect(router.entrypoints).toBe('websecure');
      expect(router.tls).toBe('true');
      expect(router['tls.certresolver']).toBe('dev');
    }
    expect(l['traefik.http.middlewares.mcp-streams.inflightreq.sourcecriterion.ipstrategy.depth']).toBe('0');
  });

  it('routes auth.localhost to Keycloak 26.7 with the realm import and the features the design needs', () => {
    const kc = compose.services.keycloak;
    expect(kc.image).toMatch(/keycloak:26\.7\./);
    expect(kc.command).toEqual(
      expect.arrayContaining(['start-dev', '--import-realm', '--features=resource-indicators,cimd']),
    );
    expect(kc.volumes).toContain('../keycloak:/opt/keycloak/data/import:ro');
    expect(labels('keycloak')).toMatchObject({
      'traefik.http.routers.auth.rule': 'Host(`auth.localhost`)',
      'traefik.http.routers.auth.tls.certresolver': 'dev',
      'traefik.http.services.auth.loadbalancer.server.port': '8080',
    });
  });

  it('defines the dev resolver, the redirect, and an access log without Authorization', () => {
    const cmd: string[] = compose.services.traefik.command;
    expect(cmd.some((c) => c.startsWith('--certificatesResolvers.dev.acme.caServer='))).toBe(true);
    expect(cmd).toContain('--entryPoints.web.http.redirections.entryPoint.to=websecure');
    expect(cmd).toContain('--accessLog.format=json');
    expect(cmd).toContain('--accessLog.fields.headers.names.Authorization=drop');
    expect(cmd).toContain('--providers.docker.exposedByDefault=false');
  });

  it('points the app at the public URLs behind Traefik and at LocalStack', () => {
    const env = compose.services.mcp.environment;
    expect(interpolate(env.MCP_PUBLIC_URL)).toBe('https://mcp.localhost:8443/mcp');
    expect(interpolate(env.AUTH_ISSUER)).toBe('https://auth.localhost:8443/realms/mcp');
    expect(env.STORE).toBe('dynamodb');
    expect(env.DYNAMODB_ENDPOINT).toBe('http://localstack:4566');
  });

  it('MCP_HOST=localhost AUTH_HOST=localhost moves every public URL to names Node resolves, in step', () => {
    const vars = { MCP_HOST: 'localhost', AUTH_HOST: 'localhost' };
    const env = compose.services.mcp.environment;
    expect(interpolate(env.MCP_PUBLIC_URL, vars)).toBe('https://localhost:8443/mcp');
    expect(interpolate(env.AUTH_ISSUER, vars)).toBe('https://localhost:8443/realms/mcp');
    // Keycloak announces that issuer and puts that MCP URL in the token audience (its realm import placeholder).
    const kc = compose.services.keycloak;
    expect(kc.command.map((c: string) => interpolate(c, vars))).toContain('--hostname=https://localhost:8443');
    expect(interpolate(kc.environment.MCP_PUBLIC_URL, vars)).toBe(interpolate(env.MCP_PUBLIC_URL, vars));
    expect(interpolate(kc.environment.MCP_PUBLIC_URL)).toBe('https://mcp.localhost:8443/mcp');
  });

  it('the fallback routers give localhost and 127.0.0.1 the same policy as the labels give mcp.localhost', () => {
    expect(compose.services.traefik.volumes).toContain('../traefik/compose:/etc/traefik/dynamic:ro');
    const labelled = routers('mcp');
    const l = labels('mcp');
    const kindOf = (m: string) =>
      Object.keys(l)
        .find((k) => k.startsWith(`traefik.http.middlewares.${m.replace(/@docker$/, '')}.`))
        ?.split('.')[4];
    const files: Record<string, any> = fallback.http.routers;
    for (const router of Object.values(files)) {
      expect(router.entryPoints).toEqual(['websecure']);
      expect(router.tls).toEqual({});
      expect(router.service).toMatch(/^(mcp|auth)@docker$/);
      for (const m of router.middlewares ?? []) expect(m).toMatch(/@docker$/);
    }
    for (const [method, p] of [
      ['GET', '/.well-known/oauth-protected-resource/mcp'],
      ['GET', '/sse'],
      ['GET', '/mcp'],
      ['POST', '/mcp'],
      ['DELETE', '/mcp'],
      ['POST', '/messages/'],
    ] as const) {
      const seed = pickRouter(labelled, { host: 'mcp.localhost', method, path: p })![1];
      for (const host of ['localhost:8443', '127.0.0.1:8443']) {
        const hit = pickRouter(files, { host, method, path: p });
        expect(hit?.[1].service, `${method} ${host}${p}`).toBe('mcp@docker');
        const kinds = (hit![1].middlewares ?? []).map(kindOf);
        const seedKinds = (seed.middlewares ?? '').split(',').filter(Boolean).map(kindOf);
        expect(kinds, `${method} ${host}${p}`).toEqual(seedKinds);
      }
    }
    for (const p of [
      '/realms/mcp/.well-known/openid-configuration',
      '/resources/x.css',
      '/.well-known/oauth-authorization-server/realms/mcp',
    ]) {
      expect(pickRouter(files, { host: 'localhost', method: 'GET', path: p })?.[1].service, p).toBe('auth@docker');
    }
    expect(pickRouter(files, { host: 'evil.example', method: 'POST', path: '/mcp' })).toBeUndefined();
  });
});
