// The legacy HTTP+SSE function's web app (/sse and /messages/): the same audit, gate and lazy core
// loading as /mcp, in front of the store-backed legacy transport.
import type { Config } from '../config.ts';
import { type AuthenticatedHandler, audited, bearerAuth, withGate } from '../gate/index.ts';
import type { WebHandler } from '../web-handler.ts';

export function createSseApp(cfg: Config): WebHandler {
  let core: Promise<AuthenticatedHandler> | undefined;
  const loadCore = () => (core ??= import('./sse-core.ts').then((m) => m.createSseCore(cfg)));
  return audited(cfg, withGate(cfg, bearerAuth(cfg), loadCore, 'GET, POST, OPTIONS'));
}
