// Composes the PRM function's web app. Kept free of the MCP SDK so it cold-starts fast.
import { handlePrm } from '../auth/prm.ts';
import type { Config } from '../config.ts';
import type { WebHandler } from '../web-handler.ts';

export function createPrmApp(cfg: Config): WebHandler {
  return async (request) => handlePrm(request, cfg);
}
