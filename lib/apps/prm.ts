// The PRM function's web app. Free of the MCP SDK and jose so it cold-starts fast: it imports the gate's
// pure guards only, not the gate (whose bearer check and audit it does not need: the PRM is public).
// GET and HEAD on the PRM paths (nearly every request it gets) are answered early, from the request's
// head, with answers made at init: the same bytes handlePrm gives, without a Request or a Response.
import { handlePrm, prmAnswers, prmError } from '../auth/prm.ts';
import type { Config } from '../config.ts';
import { malformedHeader } from '../gate/guards.ts';
import type { WebApp } from '../web-handler.ts';

/**
 * The path of a head's URL exactly as written (between the authority and `?` or `#`). Equal to a PRM path
 * (plain ASCII, no dot segment, nothing to encode), it is also the pathname the URL parser gives.
 */
function writtenPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  let end = url.length;
  for (const stop of ['?', '#']) {
    const at = url.indexOf(stop, start);
    if (at >= 0 && at < end) end = at;
  }
  return url.slice(start, end);
}

export function createPrmApp(cfg: Config): WebApp {
  const app: WebApp = async (request, ctx) => {
    const malformed = ctx.malformed ?? malformedHeader(request);
    if (malformed) return prmError(400, 'invalid_request', `The ${malformed} is malformed`);
    return handlePrm(request, cfg);
  };
  const answers = prmAnswers(cfg);
  app.early = (head, ctx) => {
    if (head.method !== 'GET' && head.method !== 'HEAD') return undefined;
    if (ctx.malformed !== undefined || malformedHeader(head) !== undefined) return undefined;
    return answers.get(writtenPath(head.url))?.[head.method];
  };
  return app;
}
