// Finds and loads the user's tools: every tools/*.ts file (not in a subfolder, not starting with `_` or `.`, not
// *.d.ts or *.test.ts) is one tool and must `export default defineTool({ … })`. Helpers go in tools/_*.ts or a
// subfolder. Loading runs the files in this Node process (type stripping), so a tool that does not import or
// does not validate stops the build here, with its file named, and not at the first request.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileInputSchemas } from '../lib/mcp/input-schema.ts';
import {
  tools as demoTools,
  isToolDefinition,
  mergeScopes,
  type ScopeInfo,
  type ToolDefinition,
  type ToolManifestEntry,
} from '../lib/tools/index.ts';

export const TOOLS_DIR = 'tools';
export const DEMO_SOURCE = 'lib/tools/demo.ts';

export class CatalogueError extends Error {
  readonly code = 'tool_catalogue';
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

/** A file name in tools/ that holds a tool (pure). */
export function isToolFile(name: string): boolean {
  return /\.(ts|mts)$/.test(name) && !/\.(d|test|spec)\.(ts|mts)$/.test(name) && !/^[_.]/.test(name);
}

/** The tool files under `root`/tools, sorted, as repo-relative POSIX paths. */
export function findToolFiles(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, TOOLS_DIR), { withFileTypes: true })
      .filter((d) => d.isFile() && isToolFile(d.name))
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.sort().map((n) => `${TOOLS_DIR}/${n}`);
}

export interface LoadedCatalogue {
  /** Every tool, demo first, with where it comes from. */
  entries: ToolManifestEntry[];
  /** The user's files in load order (the generated loader imports these). */
  files: string[];
  /** The user's tools, loaded. */
  userTools: ToolDefinition[];
}

/** Loads demo and user tools, checks names are unique, and returns the manifest. Throws a CatalogueError. */
export async function loadCatalogue(root: string): Promise<LoadedCatalogue> {
  const entries: ToolManifestEntry[] = demoTools.map((t) => ({
    name: t.name,
    demo: true,
    source: DEMO_SOURCE,
    scopes: t.scopes,
  }));
  const files = findToolFiles(root);
  const userTools: ToolDefinition[] = [];
  for (const file of files) {
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(path.join(root, file)).href)) as { default?: unknown };
    } catch (err) {
      throw new CatalogueError(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!isToolDefinition(mod.default)) {
      throw new CatalogueError(
        `${file} must \`export default defineTool({ … })\` (defineTool from lib/tools); one tool per file, helpers in tools/_*.ts`,
      );
    }
    const tool = mod.default;
    // A JSON Schema input schema is compiled here too, so a broken one stops the build naming its file rather
    // than the function's first request.
    try {
      compileInputSchemas([tool]);
    } catch (err) {
      throw new CatalogueError(`${file}: ${(err as Error).message}`);
    }
    const clash = entries.find((e) => e.name === tool.name);
    if (clash) throw new CatalogueError(`tool name "${tool.name}" is used by both ${clash.source} and ${file}`);
    entries.push({ name: tool.name, demo: false, source: file, scopes: tool.scopes });
    userTools.push(tool);
  }
  return { entries, files, userTools };
}

/** Every scope the tools declare (all of them, demo included), merged. */
export function allDeclaredScopes(entries: readonly ToolManifestEntry[]): ScopeInfo[] {
  return mergeScopes(entries.map((e) => e.scopes));
}
