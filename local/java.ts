// Finds a Java runtime of a minimum major version on this machine, without hard-coding any machine's path.
//
//   findJava({ minMajor: 21 }) -> Promise<JavaRuntime | undefined>
//   javaCandidates(env)        -> string[]   (the java binaries looked at, in order)
//   parseJavaMajor(text)       -> number | undefined   (from `java -version` output)
//
// Search order: JAVA_HOME, `update-alternatives --list java`, every JDK under /usr/lib/jvm and /opt
// (highest version first), then `java` on PATH. The first one that is new enough wins.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface JavaRuntime {
  /** Absolute path of the java binary. */
  bin: string;
  /** The JDK/JRE home (parent of bin/), suitable for JAVA_HOME. */
  home: string;
  major: number;
}

/** `java -version` prints e.g. `openjdk version "25.0.3" 2026-04-21` or `java version "1.8.0_402"`. */
export function parseJavaMajor(text: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

function javaIn(home: string): string | undefined {
  const bin = join(home, 'bin', 'java');
  return existsSync(bin) ? bin : undefined;
}

function jdkDirs(root: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of entries) {
    const home = join(root, name);
    const direct = javaIn(home);
    if (direct) found.push(direct);
    else {
      // Layouts like /opt/java/openjdk or /opt/jdk/jdk-25 are one level deeper.
      try {
        for (const sub of readdirSync(home)) {
          const nested = javaIn(join(home, sub));
          if (nested) found.push(nested);
        }
      } catch {
        /* not a directory */
      }
    }
  }
  // Version-looking names sort descending so the newest JDK is tried first.
  return found.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
}

async function alternatives(): Promise<string[]> {
  try {
    const { stdout } = await run('update-alternatives', ['--list', 'java'], { timeout: 5_000 });
    return stdout.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function javaCandidates(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const list: string[] = [];
  const home = env.JAVA_HOME?.trim();
  if (home) {
    const bin = javaIn(home);
    if (bin) list.push(bin);
  }
  list.push(...(await alternatives()));
  list.push(...jdkDirs('/usr/lib/jvm'), ...jdkDirs('/opt'));
  list.push('java');
  const seen = new Set<string>();
  return list.filter((bin) => {
    let key = bin;
    try {
      key = realpathSync(bin);
    } catch {
      /* `java` on PATH */
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function probe(bin: string): Promise<JavaRuntime | undefined> {
  try {
    const { stdout, stderr } = await run(bin, ['-version'], { timeout: 15_000 });
    const major = parseJavaMajor(`${stderr}\n${stdout}`);
    if (major === undefined) return undefined;
    let real = bin;
    if (bin === 'java') {
      const { stdout: which } = await run('sh', ['-c', 'command -v java'], { timeout: 5_000 });
      real = which.trim();
    }
    real = realpathSync(real);
    return { bin: real, home: dirname(dirname(real)), major };
  } catch {
    return undefined;
  }
}

export async function findJava(
  opts: { minMajor?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<JavaRuntime | undefined> {
  const minMajor = opts.minMajor ?? 21;
  for (const bin of await javaCandidates(opts.env ?? process.env)) {
    const rt = await probe(bin);
    if (rt && rt.major >= minMajor) return rt;
  }
  return undefined;
}
