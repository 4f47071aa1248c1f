// One operational line when the bundle's tool manifest and the tools it loads disagree: the bundle was built
// without regenerating the catalogue (e.g. `sam build` right after editing a tool's scopes). Scope checks still use
// each tool's own declaration; what drifts is what the PRM advertises.
import { log } from '../telemetry/index.ts';
import { catalogueDrift, type ToolCatalogue, type ToolDefinition } from '../tools/index.ts';

export function warnOnDrift(catalogue: ToolCatalogue, served: readonly ToolDefinition[]): void {
  if (!catalogue.tools.length) return; // no manifest to compare with (a Config built by hand)
  const drift = catalogueDrift(catalogue.tools, served);
  if (drift.length) {
    log.error('tool catalogue out of date: run `npm run build` (or `npm run generate`) before deploying', { drift });
  }
}
