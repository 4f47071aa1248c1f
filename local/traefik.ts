// Starts Traefik in front of the local host and the authorization server, when asked to (--traefik or
// TRAEFIK=true; a TRAEFIK_BIN in the environment only says where the binary is).
//
//   traefikRequested(flag, TRAEFIK) -> boolean                               (pure)
//   chooseMcpHost(TRAEFIK_HOST?, lookup?) -> { host, notes }                 the public name clients reach
//   traefikUrls({ httpsPort?, httpPort?, pingPort?, mcpHost? }) -> TraefikUrls (pure; know the URLs
//                                                                               before starting, e.g.
//                                                                               for MCP_PUBLIC_URL)
//   renderTraefikConfig(options) -> RenderedConfig                           (pure)
//   startTraefik({ bin, hostPort, asPort?, httpsPort?, httpPort?, pingPort?, mcpHost?, onProgress? })
//     -> Promise<{ urls, caFile, logFile, stop() }>
//
// The committed traefik/traefik.yml and traefik/dynamic/*.yml are the source of truth. This module
// reads them, rewrites only the listen addresses, the backend ports and the certificate paths,
// writes the copy into a private run directory and runs `<bin> --configFile=<copy>`. (Traefik
// takes its static config from one source only, so CLI flags cannot override a config file.)
// It resolves once Traefik answers /ping AND has loaded the mcp.localhost routers.
// The binary comes from the caller (the launcher passes TRAEFIK_BIN); none is downloaded.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { yamlParse } from 'yaml-cfn';
import { ensureDevCerts } from './certs.ts';
import { checkHostName, firstReachableHost, hostNameAdvice, hostsLine, type Lookup } from './host-names.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TRAEFIK_DIR = path.join(REPO_ROOT, 'traefik');

export const MCP_HOST = 'mcp.localhost';
export const AUTH_HOST = 'auth.localhost';
/**
 * The names traefik/dynamic/mcp.yml routes to the local host, in the order the launcher prefers them: the seed's
 * `mcp.localhost` where it resolves to loopback (browsers and curl always; Node only with an /etc/hosts line or
 * systemd-resolved), else `localhost`, else the address itself (no resolution at all). The dev certificate covers all
 * three. tests/unit/traefik/routes.test.ts checks that the routers accept each.
 */
export const MCP_HOSTS = [MCP_HOST, 'localhost', '127.0.0.1'] as const;
export const DEFAULT_HTTPS_PORT = 8443;
export const DEFAULT_HTTP_PORT = 8000;
export const DEFAULT_PING_PORT = 8082;
export const DEFAULT_AS_PORT = 8080;
const REALM_PATH = '/realms/mcp';

export interface TraefikPorts {
  httpsPort?: number;
  httpPort?: number;
  pingPort?: number;
  /** The host name in the MCP URLs (one of MCP_HOSTS; default mcp.localhost). */
  mcpHost?: string;
}

/**
 * Pure: is Traefik wanted? Only `--traefik` or TRAEFIK=true|1 switch it on; TRAEFIK=false|0 or unset leave it off.
 * A binary path (TRAEFIK_BIN) never changes the topology.
 */
export function traefikRequested(flag: boolean, raw: string | undefined): boolean {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return flag;
  if (v === 'true' || v === '1') return true;
  throw new Error(`TRAEFIK must be true or false, got "${raw}"`);
}

/**
 * The host name for the public URLs behind Traefik, checked with the resolver Node clients use. An explicit choice
 * (TRAEFIK_HOST) is kept, with the /etc/hosts line when it does not resolve to loopback; otherwise the first of
 * MCP_HOSTS that does, saying why a name was passed over and which line would make the seed's name work.
 */
export async function chooseMcpHost(
  explicit: string | undefined,
  lookup?: Lookup,
): Promise<{ host: string; notes: string[] }> {
  if (explicit) {
    if (!(MCP_HOSTS as readonly string[]).includes(explicit)) {
      throw new Error(
        `TRAEFIK_HOST must be one of ${MCP_HOSTS.join(', ')} (the names the routers accept), got "${explicit}"`,
      );
    }
    return { host: explicit, notes: hostNameAdvice([await checkHostName(explicit, lookup)]) };
  }
  const { host, passedOver } = await firstReachableHost(MCP_HOSTS, lookup);
  const chosen = host ?? '127.0.0.1';
  if (passedOver.length === 0) return { host: chosen, notes: [] };
  const why = passedOver.map(
    (c) => `${c.host} ${c.addresses.length ? 'is not on loopback' : `does not resolve (${c.error})`}`,
  );
  return {
    host: chosen,
    notes: [
      `traefik: the URLs use ${chosen}: ${why.join(', ')} for Node clients on this machine. ` +
        `For the seed's names add this line to /etc/hosts (then TRAEFIK_HOST=${MCP_HOST}): ${hostsLine([MCP_HOST, AUTH_HOST])}`,
    ],
  };
}

export interface TraefikUrls {
  /** The public MCP URL behind Traefik: set MCP_PUBLIC_URL to this. */
  mcp: string;
  /** The PRM URL (RFC 9728 path-suffixed form). */
  prm: string;
  /** Legacy SSE endpoint. */
  sse: string;
  /** Origin of the AS behind Traefik (auth.localhost; the MCP host itself when that is a fallback name). */
  auth: string;
  /** Issuer an AS behind Traefik should announce (Keycloak with proxy headers). */
  issuer: string;
  /** Plain-http entrypoint; it only redirects to https. */
  http: string;
  /** Health endpoint (plain http on loopback). */
  ping: string;
}

function origin(scheme: 'https' | 'http', host: string, port: number): string {
  const dflt = scheme === 'https' ? 443 : 80;
  return `${scheme}://${host}${port === dflt ? '' : `:${port}`}`;
}

/** The URLs Traefik will serve for these ports (default ports are left out of the URL). */
export function traefikUrls(ports: TraefikPorts = {}): TraefikUrls {
  const https = ports.httpsPort ?? DEFAULT_HTTPS_PORT;
  const mcpHost = ports.mcpHost ?? MCP_HOST;
  const mcpOrigin = origin('https', mcpHost, https);
  // With the seed's names the AS has its own (auth.localhost); on the fallback names it shares the host, on its paths.
  const authOrigin = origin('https', mcpHost === MCP_HOST ? AUTH_HOST : mcpHost, https);
  return {
    mcp: `${mcpOrigin}/mcp`,
    prm: `${mcpOrigin}/.well-known/oauth-protected-resource/mcp`,
    sse: `${mcpOrigin}/sse`,
    auth: authOrigin,
    issuer: `${authOrigin}${REALM_PATH}`,
    http: origin('http', mcpHost, ports.httpPort ?? DEFAULT_HTTP_PORT),
    ping: `http://127.0.0.1:${ports.pingPort ?? DEFAULT_PING_PORT}/ping`,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: free-form YAML documents
type Doc = Record<string, any>;

export interface SourceConfig {
  static: Doc;
  /** file name (e.g. mcp.yml) -> parsed dynamic document */
  dynamic: Record<string, Doc>;
}

/** Read the committed configuration (traefik/traefik.yml and traefik/dynamic/*.yml). */
export async function loadTraefikConfig(dir: string = TRAEFIK_DIR): Promise<SourceConfig> {
  const stat = yamlParse(await readFile(path.join(dir, 'traefik.yml'), 'utf8')) as Doc;
  const dynamic: Record<string, Doc> = {};
  for (const name of (await readdir(path.join(dir, 'dynamic'))).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    dynamic[name] = yamlParse(await readFile(path.join(dir, 'dynamic', name), 'utf8')) as Doc;
  }
  return { static: stat, dynamic };
}

export interface RenderOptions extends TraefikPorts {
  /** Port of the local host (the Function URL emulator). */
  hostPort: number;
  /** Port of the authorization server on 127.0.0.1 (default 8080). */
  asPort?: number;
  certFile: string;
  keyFile: string;
  /** Directory the rendered dynamic files will live in. */
  dynamicDir: string;
  /** Access log file; omit for stdout. */
  accessLogFile?: string;
}

export interface RenderedConfig {
  static: Doc;
  dynamic: Record<string, Doc>;
}

/** Which run option gives each committed service's backend port. */
const SERVICE_PORTS: Record<string, 'hostPort' | 'asPort'> = { 'mcp-host': 'hostPort', auth: 'asPort' };

/** Pure: the committed config with this run's addresses, backend ports and certificate paths. */
export function renderTraefikConfig(source: SourceConfig, o: RenderOptions): RenderedConfig {
  const st = structuredClone(source.static);
  const eps = st.entryPoints ?? {};
  if (eps.websecure) eps.websecure.address = `127.0.0.1:${o.httpsPort ?? DEFAULT_HTTPS_PORT}`;
  if (eps.web) eps.web.address = `127.0.0.1:${o.httpPort ?? DEFAULT_HTTP_PORT}`;
  if (eps.traefik) eps.traefik.address = `127.0.0.1:${o.pingPort ?? DEFAULT_PING_PORT}`;
  st.providers = { file: { ...st.providers?.file, directory: o.dynamicDir } };
  if (st.accessLog && o.accessLogFile) st.accessLog.filePath = o.accessLogFile;

  const dynamic: Record<string, Doc> = {};
  for (const [name, doc] of Object.entries(source.dynamic)) {
    const d = structuredClone(doc);
    for (const [svcName, svc] of Object.entries<Doc>(d.http?.services ?? {})) {
      const which = SERVICE_PORTS[svcName];
      for (const server of svc.loadBalancer?.servers ?? []) {
        if (!which) continue;
        const u = new URL(server.url);
        u.port = String(o[which] ?? DEFAULT_AS_PORT);
        server.url = u.origin;
      }
    }
    if (d.tls) {
      for (const c of d.tls.certificates ?? []) Object.assign(c, { certFile: o.certFile, keyFile: o.keyFile });
      const dc = d.tls.stores?.default?.defaultCertificate;
      if (dc) Object.assign(dc, { certFile: o.certFile, keyFile: o.keyFile });
    }
    dynamic[name] = d;
  }
  return { static: st, dynamic };
}

export interface StartTraefikOptions extends TraefikPorts {
  /** Path of the Traefik v3 binary (the launcher passes TRAEFIK_BIN). */
  bin: string | undefined;
  hostPort: number;
  /** Port of the AS on 127.0.0.1 (default 8080). */
  asPort?: number;
  /** Where the dev certificates live (default .cache/certs). */
  certDir?: string;
  /** Access log file (JSON lines). Default: <repo>/.cache/traefik/access.log. */
  accessLogFile?: string;
  /** How long to wait for Traefik to become ready. */
  readyTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface RunningTraefik {
  urls: TraefikUrls;
  /** The dev CA clients must trust (NODE_EXTRA_CA_CERTS, curl --cacert). */
  caFile: string;
  /** Traefik's own log (stdout and stderr). */
  logFile: string;
  accessLogFile: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Render the config, start Traefik and wait until it routes. Rejects (with its log tail) if it exits. */
export async function startTraefik(options: StartTraefikOptions): Promise<RunningTraefik> {
  const progress = options.onProgress ?? (() => {});
  const bin = options.bin;
  if (!bin)
    throw new Error('startTraefik: no Traefik binary given (set TRAEFIK_BIN to the path of a Traefik v3 binary)');
  const certs = await ensureDevCerts(options.certDir ? { dir: options.certDir } : {});
  if (certs.created) progress(`traefik: made dev certificates (${certs.via}) in ${path.dirname(certs.certFile)}`);

  const runDir = await mkdtemp(path.join(tmpdir(), 'mcp-traefik-'));
  const dynamicDir = path.join(runDir, 'dynamic');
  await mkdir(dynamicDir);
  const accessLogFile = options.accessLogFile ?? path.join(REPO_ROOT, '.cache', 'traefik', 'access.log');
  await mkdir(path.dirname(accessLogFile), { recursive: true });
  const rendered = renderTraefikConfig(await loadTraefikConfig(), {
    ...options,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
    dynamicDir,
    accessLogFile,
  });
  // JSON is YAML, so the rendered files need no YAML writer.
  const staticFile = path.join(runDir, 'traefik.yml');
  await writeFile(staticFile, JSON.stringify(rendered.static, null, 2));
  for (const [name, doc] of Object.entries(rendered.dynamic)) {
    await writeFile(path.join(dynamicDir, name), JSON.stringify(doc, null, 2));
  }

  const logFile = path.join(runDir, 'traefik.log');
  const log = createWriteStream(logFile);
  // Traefik reads TRAEFIK_* variables as static configuration; ours (TRAEFIK_BIN, TRAEFIK_HOST...) are not for it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TRAEFIK_/i.test(k)));
  const child = spawn(bin, [`--configFile=${staticFile}`], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });

  const urls = traefikUrls(options);
  const stop = async (): Promise<void> => {
    await terminate(child, exited);
    log.end();
    await rm(runDir, { recursive: true, force: true });
  };

  try {
    await waitReady(options, certs.caFile, exited, options.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await terminate(child, exited);
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    log.end();
    await rm(runDir, { recursive: true, force: true });
    throw new Error(`Traefik did not become ready: ${(err as Error).message}\n${tail}`);
  }
  progress(
    `traefik: ${urls.mcp} -> 127.0.0.1:${options.hostPort}, ${urls.auth} -> 127.0.0.1:${options.asPort ?? DEFAULT_AS_PORT}`,
  );
  return { urls, caFile: certs.caFile, logFile, accessLogFile, pid: child.pid, stop };
}

async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(o: StartTraefikOptions, caFile: string, exited: Promise<number | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let dead: number | null | undefined;
  void exited.then((code) => {
    dead = code;
  });
  const ca = await readFile(caFile);
  const pingUrl = traefikUrls(o).ping;
  let last = 'not started';
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`Traefik exited with code ${dead}`);
    try {
      const ping = await fetch(pingUrl, { signal: AbortSignal.timeout(1_000) });
      last = `ping ${ping.status}`;
      // Ping answers before the file provider has loaded the routers; a router that exists never
      // answers with Traefik's own plain-text 404 (the backend may not be up yet: 502 is fine).
      if (ping.ok && (await routerLoaded(o.httpsPort ?? DEFAULT_HTTPS_PORT, ca))) return;
      if (ping.ok) last = 'routers not loaded yet';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${last})`);
}

function routerLoaded(httpsPort: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: httpsPort,
        servername: MCP_HOST,
        path: '/.well-known/oauth-protected-resource',
        headers: { host: `${MCP_HOST}:${httpsPort}` },
        ca,
        timeout: 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve(!(res.statusCode === 404 && body === '404 page not found\n')));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
