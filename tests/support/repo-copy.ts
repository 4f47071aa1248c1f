// A fresh copy of the product in a temp folder, as a clone would be: every tracked file and every untracked one git
// does not ignore, no dist/, .cache/ or node_modules/, and none of the checkout's own tools (tools/*.ts): the suites
// that work there add the tools they test, so what they expect does not depend on what this checkout serves (with
// node_modules linked, the generated catalogue is regenerated for the copy at once). They never touch the checkout;
// remove() deletes the copy.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RepoCopy {
  dir: string;
  remove(): void;
}

/**
 * Copies the repository. `nodeModules: 'link'` links the checkout's node_modules (fast; for suites about the product),
 * 'none' leaves it out (the README's `npm ci` installs it).
 */
export function copyRepo(opts: { nodeModules: 'link' | 'none'; prefix?: string }): RepoCopy {
  const dir = mkdtempSync(path.join(tmpdir(), opts.prefix ?? 'mcp-stack-copy-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const rel of files) {
    if (/^tools\/[^/]+\.m?ts$/.test(rel)) continue; // the checkout's own tools stay out
    const from = path.join(ROOT, rel);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in git
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    copyFileSync(from, path.join(dir, rel));
  }
  if (opts.nodeModules === 'link') {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    execFileSync(process.execPath, [path.join(dir, 'scripts', 'generate.ts')], { cwd: dir, stdio: 'ignore' });
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
