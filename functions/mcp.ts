// Lambda shell for /mcp: config at init (fails fast), then event -> lib -> response stream.

import { createMcpApp } from '../lib/apps/mcp.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig();
export const handler = lambdaHandler(createMcpApp(config), config.responseMode);
