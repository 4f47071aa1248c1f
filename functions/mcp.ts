// Lambda shell for /mcp: config at init (fails fast), then event -> lib -> response stream. The catalogue is
// generated/tools.ts (scripts/generate.ts): the tool manifest, and tools/*.ts loaded lazily with the MCP core,
// whose import starts with the signing-key fetch on the first request with a token (lib/apps/mcp.ts, prefetch).

import { catalogue } from '../generated/tools.ts';
import { createMcpApp } from '../lib/apps/mcp.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig(process.env, catalogue);
// Provisioned concurrency initialises ahead of traffic (the runtime sets AWS_LAMBDA_INITIALIZATION_TYPE): load
// the signing keys and the MCP core now, and wait, as Lambda freezes the environment when init returns. On demand,
// a request is waiting: the first one with a bearer token starts both (lib/apps/mcp.ts).
const aheadOfTraffic = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency';
const app = createMcpApp(config, {}, catalogue, { prefetch: aheadOfTraffic ? 'init' : true });
if (app.ready) await app.ready;
export const handler = lambdaHandler(app, config.responseMode);
