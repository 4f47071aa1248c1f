// lib/gate: what every protected route runs before its app (guards, body reading, bearer auth, the
// audit span and its principal). SDK-free: refusals never load the MCP SDK.
export { audited, auditPrincipal } from './audit.ts';
export { type AuthOutcome, type BearerCheck, bearerAuth } from './auth.ts';
export { type BodyResult, isJsonMediaType, MAX_JSON_DEPTH, nestedDeeperThan, readJsonBody } from './body.ts';
export { earlyRefusal } from './early.ts';
export { type AuthenticatedHandler, withGate } from './gate.ts';
export {
  corsHeaders,
  hostAllowed,
  malformedHeader,
  malformedRequest,
  originAllowed,
  preflight,
  rejectForeign,
  withHeaders,
} from './guards.ts';
