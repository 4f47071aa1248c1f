// The local stack's own variables (the functions' are lib/config.ts), parsed and checked in one go, before
// `npm start` builds, binds or starts anything: a bad value stops it at once with a ConfigError naming the variable.
//
//   PORT (3000; 0 = any free port), HOST (127.0.0.1), AS (auto|keycloak|embedded), AS_PORT (8080),
//   TRAEFIK (true|false, like --traefik), TRAEFIK_HTTPS_PORT (8443), TRAEFIK_HTTP_PORT (8000), TRAEFIK_PING_PORT
//   (8082), FUNCTIONS (template.yaml functions to serve), START_DEGRADED (true|false, like --degraded),
//   FACADE (true|false: the registration façade, local/facade.ts; its FACADE_* variables are checked here too).
// It also runs lib/config's loadConfig with stand-ins for what the stack fills in later (the issuer of the AS it
// starts; the URL of a PORT=0 host), so SESSION_TTL_S=abc fails here and not after Keycloak is up.
import path from 'node:path';
import { ConfigError, type Env, loadConfig } from '../lib/config.ts';
import { loadFacadeConfig } from '../lib/facade/config.ts';
import { type AuthServerChoice, parseAuthServerChoice } from './as.ts';
import { facadeRequested } from './facade.ts';
import { parseFunctionsVar, selectFunctions } from './host.ts';
import { loadTemplate } from './template.ts';
import { traefikRequested } from './traefik.ts';

export interface StackConfig {
  port: number;
  hostname: string;
  as: AuthServerChoice;
  asPort: number;
  /** No AS of our own: AUTH_ISSUER names one, or AUTH_DISABLED=true. */
  externalIssuer: boolean;
  withTraefik: boolean;
  traefikPorts: { httpsPort?: number; httpPort?: number; pingPort?: number };
  functions: string[] | undefined;
  /** --degraded or START_DEGRADED=true: start even when the issuer or its scopes do not check out, and say so. */
  degraded: boolean;
  /** FACADE=true or FACADE_UPSTREAM_ISSUER: the registration façade (local/facade.ts). */
  facade: boolean;
  /** Worth saying, stops nothing. */
  notes: string[];
}

function portVar(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!/^\d*$/.test(raw ?? '') || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  }
  return n;
}

function boolVar(env: Env, name: string, flag: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return flag;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return flag;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The public URL must reach this host as printed: its path must be one McpFunction serves (a proxy forwards paths
 * unchanged). A plain-http loopback URL on another port than PORT is fine behind a proxy on that port, so it is
 * only a note. Returns the notes; throws a ConfigError for a path the host does not serve.
 */
export function checkPublicUrl(
  publicUrl: string,
  port: number,
  mcpPaths: readonly string[],
  withTraefik: boolean,
): string[] {
  const u = new URL(publicUrl);
  if (!mcpPaths.includes(u.pathname)) {
    throw new ConfigError(
      'MCP_PUBLIC_URL',
      `has the path ${u.pathname}, which the local host does not serve (McpFunction serves ${mcpPaths.join(', ')}); use ${u.origin}${mcpPaths[0]}`,
    );
  }
  if (withTraefik || u.protocol !== 'http:' || !LOOPBACK.has(u.hostname) || port === 0) return [];
  const urlPort = Number(u.port || 80);
  if (urlPort === port) return [];
  return [
    `MCP_PUBLIC_URL=${publicUrl} names port ${urlPort} but the host listens on PORT=${port}: right behind a proxy on ` +
      `${urlPort}; otherwise set PORT=${urlPort}, or the URL will not answer`,
  ];
}

/** Parses the stack's variables and validates the functions' configuration (see the header). Throws ConfigError. */
export function loadStackConfig(env: Env, flags: { traefik: boolean; degraded: boolean }, root: string): StackConfig {
  const port = portVar(env, 'PORT', 3000);
  const hostname = env.HOST?.trim() || '127.0.0.1';
  const as = parseAuthServerChoice(env.AS);
  const asPort = portVar(env, 'AS_PORT', 8080);
  let withTraefik: boolean;
  try {
    withTraefik = traefikRequested(flags.traefik, env.TRAEFIK);
  } catch {
    throw new ConfigError('TRAEFIK', `must be true or false, got "${env.TRAEFIK}"`);
  }
  const traefikPorts = withTraefik
    ? {
        httpsPort: portVar(env, 'TRAEFIK_HTTPS_PORT', 8443),
        httpPort: portVar(env, 'TRAEFIK_HTTP_PORT', 8000),
        pingPort: portVar(env, 'TRAEFIK_PING_PORT', 8082),
      }
    : {};
  const template = loadTemplate(path.join(root, 'template.yaml'));
  const functions = parseFunctionsVar(env.FUNCTIONS);
  try {
    selectFunctions(template, functions);
  } catch (err) {
    throw new ConfigError('FUNCTIONS', (err as Error).message.replace(/^FUNCTIONS: /, ''));
  }
  const degraded = boolVar(env, 'START_DEGRADED', flags.degraded);
  const authDisabled = boolVar(env, 'AUTH_DISABLED', false);
  // The façade's upstream (FACADE_UPSTREAM_ISSUER) is an AS the stack does not start either.
  const externalIssuer = authDisabled || Boolean(env.AUTH_ISSUER?.trim() || env.FACADE_UPSTREAM_ISSUER?.trim());

  // The functions' own variables, with stand-ins for what the stack decides later; the same parse runs again in
  // each function at init, so anything that passes here passes there.
  const standIn: Env = {
    ...env,
    AUTH_ISSUER: env.AUTH_ISSUER?.trim() || `http://127.0.0.1:${asPort || 8080}/realms/mcp`,
    MCP_PUBLIC_URL: env.MCP_PUBLIC_URL?.trim() || `http://127.0.0.1:${port || 3000}/mcp`,
  };
  const cfg = loadConfig(standIn);
  // The façade's own variables, with stand-ins for what local/facade.ts fills in (the upstream, its client, the key).
  const facade = facadeRequested(env);
  if (facade) {
    if (env.AUTH_ISSUER?.trim()) {
      throw new ConfigError(
        'AUTH_ISSUER',
        'must not be set with the façade (it is the façade); name the IdP in FACADE_UPSTREAM_ISSUER',
      );
    }
    if (port === 0 && !env.MCP_PUBLIC_URL?.trim()) {
      throw new ConfigError(
        'PORT',
        'must be a fixed port (or MCP_PUBLIC_URL set) with the façade: the IdP needs its callback URL',
      );
    }
    // An external upstream (FACADE_UPSTREAM_ISSUER) needs its client id here; the embedded one gets ours.
    const embedded = env.FACADE_UPSTREAM_ISSUER?.trim()
      ? {}
      : {
          FACADE_UPSTREAM_ISSUER: `http://127.0.0.1:${asPort || 8080}/realms/mcp`,
          FACADE_UPSTREAM_CLIENT_ID: 'stand-in',
        };
    const key =
      env.FACADE_SIGNING_KEY?.trim() || env.FACADE_SECRET_ARN?.trim() ? {} : { FACADE_SIGNING_KEY: 'stand-in' };
    loadFacadeConfig({ ...env, ...embedded, ...key }, cfg);
  }
  const notes: string[] = [];
  if (env.MCP_PUBLIC_URL?.trim()) {
    const mcp = template.find((f) => f.logicalId === 'McpFunction');
    const paths = (mcp?.routes ?? []).filter((r) => !r.prefix).map((r) => r.path);
    if (paths.length) notes.push(...checkPublicUrl(cfg.publicUrl, port, paths, withTraefik));
  }
  return {
    port,
    hostname,
    as,
    asPort,
    externalIssuer,
    withTraefik,
    traefikPorts,
    functions,
    degraded,
    facade,
    notes,
  };
}
