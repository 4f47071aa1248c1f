// Lambda shell for the Protected Resource Metadata (RFC 9728). Must not pull in the MCP SDK.

import { createPrmApp } from '../lib/apps/prm.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig();
export const handler = lambdaHandler(createPrmApp(config), config.responseMode);
