// Investigation probe, not a product function: the /mcp function's cold 401 path as it would be if the
// MCP SDK were loaded lazily (on the first authenticated request). Same config, same Lambda adapter,
// same lib/auth `authenticate()` (jose is itself loaded only when a token is present); no SDK.
import { authenticate } from '../../lib/auth/index.ts';
import { loadConfig } from '../../lib/config.ts';
import { lambdaHandler } from '../../lib/http/index.ts';

const config = loadConfig();
export const handler = lambdaHandler(async (request) => {
  const result = await authenticate(request, config);
  return result.ok ? new Response('the SDK would load here', { status: 501 }) : result.response;
}, config.responseMode);
