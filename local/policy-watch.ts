// `npm run dev`: the policy directory is watched too. A change regenerates generated/policies.ts (validating the
// policies with Cedar); the esbuild watchers see that file change, rebuild /mcp and /sse, and the host reloads
// them. A policy that does not validate is reported and the running policies stay in force.
import { existsSync, watch } from 'node:fs';
import { generate } from '../scripts/generate.ts';
import { policiesDir } from '../scripts/policies.ts';

/** Watches POLICIES_DIR (default policies/); returns a stop function. */
export function watchPolicies(root: string, say: (line: string) => void): () => Promise<void> {
  const dir = policiesDir(root);
  if (!existsSync(dir)) return async () => {};
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, (_event, file) => {
    if (!file || !/\.(cedar|cedarschema)$/.test(String(file))) return;
    clearTimeout(timer);
    // Editors write in several steps: regenerate once the burst is over.
    timer = setTimeout(() => {
      generate({ root })
        .then(({ changed }) => {
          if (changed.length) say(`policies changed; regenerated ${changed.join(', ')}`);
        })
        .catch((err: Error) => say(`policies not reloaded: ${err.message}`));
    }, 200);
  });
  return async () => {
    clearTimeout(timer);
    watcher.close();
  };
}
