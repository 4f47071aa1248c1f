// Lambda shell for the legacy HTTP+SSE transport (/sse and /messages/).

import { createSseApp } from '../lib/apps/sse.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig();
export const handler = lambdaHandler(createSseApp(config), config.responseMode);
