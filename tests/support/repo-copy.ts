// A fresh copy of this repository in a temp folder, as a user's clone would be: every tracked file and every
// untracked one git does not ignore (so a checkout's own tools/ come along), no dist/, .cache/ or node_modules/.
// Suites that add a tool or run the README's commands work there and never touch the checkout; remove() deletes it.
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
    const from = path.join(ROOT, rel);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in git
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    copyFileSync(from, path.join(dir, rel));
  }
  if (opts.nodeModules === 'link') symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
