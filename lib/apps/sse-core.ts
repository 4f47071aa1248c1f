// The part of the legacy SSE app that needs the MCP SDK, the tools and the stores (loaded lazily).
import type { Config } from '../config.ts';
import type { AuthenticatedHandler } from '../gate/index.ts';
import { createLegacySseHandler, createServerFactory } from '../mcp/index.ts';
import { createStores } from '../store/index.ts';
import { registerConformanceFixtures } from '../tools/conformance/index.ts';
import { servedTools, type ToolCatalogue } from '../tools/index.ts';
import { warnOnDrift } from './catalogue-drift.ts';
import { loadPolicyGate } from './policy-gate.ts';
import { requestStateKeysOf } from './request-state-keys.ts';

export async function createSseCore(cfg: Config, catalogue: ToolCatalogue): Promise<AuthenticatedHandler> {
  const tools = await servedTools(catalogue, cfg.demoTools);
  warnOnDrift(catalogue, tools);
  const extras = cfg.conformanceFixtures ? registerConformanceFixtures : undefined;
  const policy = await loadPolicyGate(cfg, catalogue.policies);
  const legacy = createLegacySseHandler(cfg, {
    factory: createServerFactory(tools, extras, { requestStateKeys: await requestStateKeysOf(cfg), policy }),
    stores: createStores(cfg),
    ...(policy ? { policy: { gate: policy, tools } } : {}),
  });
  return legacy;
}
