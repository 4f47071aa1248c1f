// The part of the /mcp app that needs the MCP SDK, the tools (zod) and the stores. lib/apps/mcp.ts
// imports it on the first authenticated request, so cold start and refusals stay light.
import type { Config } from '../config.ts';
import {
  createMcpCore,
  createServerFactory,
  createSessionfulHandler,
  type McpCore,
  type McpEndpointDeps,
  principalOf,
  StoreEventBus,
} from '../mcp/index.ts';
import { withTaskNotifications } from '../mcp/tasks/index.ts';
import { createStores } from '../store/index.ts';
import { TASK_FIXTURE_TOOLS, withConformanceFixtures } from '../tools/conformance/index.ts';
import { servedTools, type ToolCatalogue } from '../tools/index.ts';
import { warnOnDrift } from './catalogue-drift.ts';
import { loadPolicyGate } from './policy-gate.ts';
import { requestStateKeysOf } from './request-state-keys.ts';
import { taskRefusal, tasksFor } from './tasks.ts';

export async function createCore(
  cfg: Config,
  catalogue: ToolCatalogue,
  insufficientScope: (scopes: string[]) => Response,
  overrides: Partial<McpEndpointDeps> = {},
): Promise<McpCore> {
  const tools = await servedTools(catalogue, cfg.demoTools);
  warnOnDrift(catalogue, tools);
  const stores = createStores(cfg);
  const bus = new StoreEventBus(stores.messages);
  // Test-only fixtures for the official conformance suite (CONFORMANCE_FIXTURES=true); off by default.
  const extras = cfg.conformanceFixtures ? withConformanceFixtures(bus) : undefined;
  const policy = await loadPolicyGate(cfg, catalogue.policies);
  // The tasks extension: its workers run the served tools (and the task fixtures when those are on).
  const taskTools = cfg.conformanceFixtures ? [...tools, ...TASK_FIXTURE_TOOLS] : tools;
  const tasks = await tasksFor(cfg, taskTools, stores.messages);
  const factory = createServerFactory(tools, extras, {
    requestStateKeys: await requestStateKeysOf(cfg),
    policy,
    tasks: tasks?.engine,
  });
  return createMcpCore(cfg, {
    tools,
    extras,
    factory,
    bus,
    legacy: createSessionfulHandler(cfg, { factory, stores }),
    taskGate: tasks ? (body) => taskRefusal(body, taskTools) : undefined,
    taskListen: tasks
      ? (response, authInfo, id) => withTaskNotifications(response, tasks.bus, principalOf(authInfo), id)
      : undefined,
    insufficientScope,
    policy,
    ...overrides,
  });
}
