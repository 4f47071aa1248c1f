// Lambda shell for the registration façade (lib/facade): config at init (fails fast), then event -> lib -> stream.
// Inert (404) unless FACADE_UPSTREAM_ISSUER is set. Carries neither the MCP SDK nor the tools.

import { toolManifest } from '../generated/tool-manifest.ts';
import { createFacadeApp } from '../lib/apps/facade.ts';
import { loadConfig } from '../lib/config.ts';
import { loadFacadeConfig } from '../lib/facade/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig(process.env, { tools: toolManifest });
export const handler = lambdaHandler(
  createFacadeApp(config, loadFacadeConfig(process.env, config)),
  config.responseMode,
);
