// Downloads, configures and runs a local Keycloak (start-dev) with the `mcp` realm.
//
//   ensureKeycloakDist(opts)  -> Promise<string>          the unpacked Keycloak home (download once, reuse after)
//   renderRealm(template, v)  -> string                   substitutes ${MCP_PUBLIC_URL} in the realm JSON
//   instanceDir(cache, port)  -> string                   the per-port Keycloak home (its own data/)
//   startKeycloak(opts)       -> Promise<RunningKeycloak> { issuer, port, home, instance, stop() }
//
// The dist comes from `mvn dependency:copy` into a cache folder outside git (KEYCLOAK_CACHE_DIR, default
// <repo>/.cache/keycloak). Each port gets its own Keycloak home, <cache>/instances/<port>: a copy of bin/kc.sh
// (which derives the home from its own path) beside links to the dist's lib, providers, themes and conf, and a
// data/ of its own (dev-file database, import folder). Two stacks on two ports therefore never touch each other's
// database or realm file. The realm (opts.realm, default keycloak/realm-mcp.json) is written to the instance's
// data/import and imported with --import-realm; when the rendered realm changes (another MCP URL, a new scope),
// that instance's dev database is reset so the new realm is imported.
// The feature set is always the same, because features are build-time options: changing them would re-augment
// the shared dist under a running instance.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findJava, type JavaRuntime } from './java.ts';
import { assertPortsFree } from './ports.ts';

const run = promisify(execFile);

export const KEYCLOAK_VERSION = '26.7.3';
export const KEYCLOAK_FEATURES = 'resource-indicators,cimd';
export const REALM = 'mcp';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REALM_TEMPLATE = join(REPO_ROOT, 'keycloak', 'realm-mcp.json');

export type Progress = (line: string) => void;

export interface KeycloakDistOptions {
  cacheDir?: string;
  version?: string;
  onProgress?: Progress;
  env?: NodeJS.ProcessEnv;
}

export interface KeycloakOptions extends KeycloakDistOptions {
  /** The MCP server's public URL; it becomes the audience and the RFC 8707 resource of the realm. */
  publicMcpUrl: string;
  /** The realm JSON with its ${MCP_PUBLIC_URL} placeholder; default keycloak/realm-mcp.json. */
  realm?: string;
  /** Default AS_PORT or 8080. */
  port?: number;
  /** Management interface (health); default port + 1000 so parallel instances do not collide on 9000. */
  managementPort?: number;
  /** Public base URL of Keycloak (fixes `iss`); default http://127.0.0.1:<port>. */
  hostname?: string;
  /**
   * JDBC URL of the H2 database. Default: the dist's dev-file database (kept between starts).
   * Tests pass an in-memory URL so parallel instances never share a database file.
   */
  dbUrl?: string;
  java?: JavaRuntime;
  /** How long to wait for the realm to answer; default 300 s (first start augments the dist). */
  readyTimeoutMs?: number;
}

export interface RunningKeycloak {
  issuer: string;
  port: number;
  /** The shared, unpacked dist. */
  home: string;
  /** This port's Keycloak home (its own data/). */
  instance: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function keycloakCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KEYCLOAK_CACHE_DIR?.trim() || join(REPO_ROOT, '.cache', 'keycloak'));
}

export function renderRealm(template: string, vars: { MCP_PUBLIC_URL: string }): string {
  // JSON-escape the value: it is substituted inside string literals.
  const value = JSON.stringify(vars.MCP_PUBLIC_URL).slice(1, -1);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the realm's placeholder syntax (Keycloak's own, too)
  return template.replaceAll('${MCP_PUBLIC_URL}', value);
}

async function unpack(zip: string, into: string): Promise<void> {
  try {
    await run('unzip', ['-q', '-o', zip, '-d', into], { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // No unzip on this machine: the JDK's jar tool extracts zips too.
    const java = await findJava({ minMajor: 8 });
    if (!java) throw new Error('Neither unzip nor a JDK `jar` tool is available to unpack Keycloak.');
    await run(join(java.home, 'bin', 'jar'), ['xf', zip], { cwd: into, maxBuffer: 64 * 1024 * 1024 });
  }
}

export async function ensureKeycloakDist(opts: KeycloakDistOptions = {}): Promise<string> {
  const version = opts.version ?? KEYCLOAK_VERSION;
  const cache = opts.cacheDir ?? keycloakCacheDir(opts.env);
  const say = opts.onProgress ?? (() => {});
  const home = join(cache, `keycloak-${version}`);
  if (existsSync(join(home, 'bin', 'kc.sh'))) return home;
  mkdirSync(cache, { recursive: true });
  const zip = join(cache, `keycloak-quarkus-dist-${version}.zip`);
  if (!existsSync(zip)) {
    say(`keycloak: fetching org.keycloak:keycloak-quarkus-dist:${version}:zip with mvn (once, into ${cache})`);
    try {
      await run(
        'mvn',
        [
          '-q',
          'dependency:copy',
          `-Dartifact=org.keycloak:keycloak-quarkus-dist:${version}:zip`,
          `-DoutputDirectory=${cache}`,
        ],
        { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('Maven (`mvn`) is needed once to download Keycloak; install it.');
      throw new Error(`mvn dependency:copy failed: ${(e.stderr || e.stdout || e.message).trim().slice(-2000)}`);
    }
    if (!existsSync(zip)) throw new Error(`mvn finished but ${zip} is missing`);
  }
  say(`keycloak: unpacking ${zip}`);
  // Unpack beside the final folder, then rename, so an interrupted unzip never looks like a complete dist.
  const staging = join(cache, `.unpack-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await unpack(zip, staging);
  if (!existsSync(join(home, 'bin', 'kc.sh'))) renameSync(join(staging, `keycloak-${version}`), home);
  rmSync(staging, { recursive: true, force: true });
  return home;
}

/** This port's Keycloak home inside the cache (pure). */
export function instanceDir(cache: string, port: number): string {
  return join(cache, 'instances', String(port));
}

/**
 * Makes (or refreshes) the per-port home: kc.sh is copied, not linked, because it takes the home from its own
 * resolved path; everything it only reads links to the dist.
 */
function prepareInstance(dist: string, instance: string): void {
  mkdirSync(join(instance, 'bin'), { recursive: true });
  mkdirSync(join(instance, 'data'), { recursive: true });
  copyFileSync(join(dist, 'bin', 'kc.sh'), join(instance, 'bin', 'kc.sh'));
  for (const entry of ['lib', 'providers', 'themes', 'conf', 'version.txt']) {
    const link = join(instance, entry);
    const target = join(dist, entry);
    if (!existsSync(target)) continue;
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
    } catch {
      current = undefined; // absent
    }
    if (current === target) continue;
    // Only ever unlink our own link: never a recursive delete that could follow it into the shared dist.
    if (current === 'not a link') throw new Error(`${link} should be a link to ${target}; remove ${instance}`);
    if (current !== undefined) unlinkSync(link);
    symlinkSync(target, link);
  }
}

/** Writes the rendered realm into data/import; resets the dev-file database when the realm changed. */
function stageRealm(home: string, template: string, publicMcpUrl: string, resetDevDb: boolean, say: Progress): void {
  const realm = renderRealm(template, { MCP_PUBLIC_URL: publicMcpUrl });
  const importDir = join(home, 'data', 'import');
  mkdirSync(importDir, { recursive: true });
  const hash = createHash('sha256').update(realm).digest('hex');
  const hashFile = join(home, 'data', '.realm-mcp.sha256');
  const previous = existsSync(hashFile) ? readFileSync(hashFile, 'utf8').trim() : undefined;
  if (resetDevDb && previous !== undefined && previous !== hash && existsSync(join(home, 'data', 'h2'))) {
    say('keycloak: the realm changed since the last start; resetting the dev database to re-import it');
    rmSync(join(home, 'data', 'h2'), { recursive: true, force: true });
  }
  writeFileSync(join(importDir, 'realm-mcp.json'), realm);
  if (resetDevDb) writeFileSync(hashFile, `${hash}\n`);
}

async function isUp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
  });
}

/** SIGTERM the process group, wait, then SIGKILL: kc.sh execs java, but be safe about children. */
async function terminate(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

export async function startKeycloak(opts: KeycloakOptions): Promise<RunningKeycloak> {
  const env = opts.env ?? process.env;
  const say = opts.onProgress ?? (() => {});
  const port = opts.port ?? Number(env.AS_PORT || 8080);
  const java = opts.java ?? (await findJava({ minMajor: 21, env }));
  if (!java) {
    throw new Error(
      'Keycloak needs Java 21 or newer and none was found (looked at JAVA_HOME, update-alternatives, /usr/lib/jvm, /opt, PATH). ' +
        'Install a JDK 21+ or set JAVA_HOME, or use the embedded dev AS (AS=embedded).',
    );
  }
  const hostname = opts.hostname ?? `http://127.0.0.1:${port}`;
  const issuer = `${hostname.replace(/\/$/, '')}/realms/${REALM}`;
  const discovery = `http://127.0.0.1:${port}/realms/${REALM}/.well-known/openid-configuration`;
  const managementPort = opts.managementPort ?? port + 1000;
  await assertPortsFree([
    { port, variable: 'AS_PORT', what: 'Keycloak' },
    {
      port: managementPort,
      variable: 'AS_PORT',
      what: `Keycloak's management interface (port ${managementPort}${opts.managementPort ? '' : ' = AS_PORT + 1000'})`,
    },
  ]);
  const home = await ensureKeycloakDist(opts);
  const instance = instanceDir(opts.cacheDir ?? keycloakCacheDir(opts.env), port);
  prepareInstance(home, instance);
  const template = opts.realm ?? readFileSync(REALM_TEMPLATE, 'utf8');
  stageRealm(instance, template, opts.publicMcpUrl, opts.dbUrl === undefined, say);

  const args = [
    'start-dev',
    '--import-realm',
    `--features=${KEYCLOAK_FEATURES}`,
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
    `--hostname=${hostname}`,
  ];
  if (opts.dbUrl) args.push(`--db-url=${opts.dbUrl}`);
  say(
    `keycloak: starting ${KEYCLOAK_VERSION} on 127.0.0.1:${port} with Java ${java.major} (${java.home}), data in ${instance}`,
  );
  const child = spawn(join(instance, 'bin', 'kc.sh'), args, {
    cwd: instance,
    detached: true, // own process group, so stop() reaches the JVM and nothing else
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      JAVA_HOME: java.home,
      PATH: `${join(java.home, 'bin')}:${env.PATH ?? ''}`,
      KC_BOOTSTRAP_ADMIN_USERNAME: env.KC_BOOTSTRAP_ADMIN_USERNAME || 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: env.KC_BOOTSTRAP_ADMIN_PASSWORD || 'admin',
    },
  });
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 60) tail.shift();
      if (env.KEYCLOAK_LOG === '1') say(`keycloak| ${line}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  // detached puts Keycloak in its own process group, so a Ctrl-C on the terminal does not reach it: if this process
  // exits without calling stop(), take the JVM down with it rather than leaving it holding the port.
  const onExit = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    await terminate(child);
    // With a private in-memory database (tests) the home holds nothing worth keeping; fs.rm unlinks the links to the
    // dist and never follows them.
    if (opts.dbUrl) rmSync(instance, { recursive: true, force: true });
  };
  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 300_000);
  let lastReport = started;
  let exitedEarly = false;
  child.once('exit', () => {
    exitedEarly = true;
  });
  while (!(await isUp(discovery))) {
    if (exitedEarly) {
      throw new Error(`Keycloak exited during start-up (code ${child.exitCode}). Last output:\n${tail.join('\n')}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Keycloak did not become ready within ${Math.round((Date.now() - started) / 1000)} s. Last output:\n${tail.join('\n')}`,
      );
    }
    if (Date.now() - lastReport >= 5_000) {
      lastReport = Date.now();
      say(`keycloak: waiting for the realm (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  say(`keycloak: ready in ${Math.round((Date.now() - started) / 1000)} s, issuer ${issuer}`);
  return { issuer, port, home, instance, process: child, stop };
}
