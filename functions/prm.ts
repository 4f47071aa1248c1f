// Lambda shell for the Protected Resource Metadata (RFC 9728). Must not pull in the MCP SDK. The catalogue's
// manifest (generated/tool-manifest.ts, plain data) gives the scopes it advertises; no tool is loaded or bundled here.

import { toolManifest } from '../generated/tool-manifest.ts';
import { createPrmApp } from '../lib/apps/prm.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';

const config = loadConfig(process.env, { tools: toolManifest });
export const handler = lambdaHandler(createPrmApp(config), config.responseMode);
