// Lambda shell for the legacy HTTP+SSE transport (/sse and /messages/). The catalogue is generated/tools.ts
// (scripts/generate.ts): the tool manifest, and tools/*.ts loaded lazily with the core.

import { catalogue } from '../generated/tools.ts';
import { createSseApp } from '../lib/apps/sse.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig(process.env, catalogue);
export const handler = lambdaHandler(createSseApp(config, catalogue), config.responseMode);
