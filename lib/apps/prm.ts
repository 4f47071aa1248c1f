// The PRM function's web app. Free of the MCP SDK and jose so it cold-starts fast: it imports the gate's
// pure guards only, not the gate (whose bearer check and audit it does not need: the PRM is public).
import { handlePrm, prmError } from '../auth/prm.ts';
import type { Config } from '../config.ts';
import { malformedHeader } from '../gate/guards.ts';
import type { WebHandler } from '../web-handler.ts';

export function createPrmApp(cfg: Config): WebHandler {
  return async (request, ctx) => {
    const malformed = ctx.malformed ?? malformedHeader(request);
    if (malformed) return prmError(400, 'invalid_request', `The ${malformed} is malformed`);
    return handlePrm(request, cfg);
  };
}
