// Lambda shell for /mcp: config at init (fails fast), then event -> lib -> response stream. The catalogue is
// generated/tools.ts (scripts/generate.ts): the tool manifest, and tools/*.ts loaded lazily with the MCP core,
// whose import starts with the signing-key fetch on the first request with a token (lib/apps/mcp.ts, prefetch).

import { catalogue } from '../generated/tools.ts';
import { createMcpApp } from '../lib/apps/mcp.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig(process.env, catalogue);
export const handler = lambdaHandler(createMcpApp(config, {}, catalogue, { prefetch: true }), config.responseMode);
