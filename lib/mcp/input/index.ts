// Tools that ask the client for input (2026-07-28 input-required results, 2025 server-to-client
// requests through the SDK's legacy shim), and the sealing of the requestState that carries a call's
// progress between rounds.
export { type AskOptions, type Asks, createAsks, INPUT_KEY, InputKeyError, InputPending } from './asks.ts';
export {
  createSealer,
  ephemeralKey,
  MAX_STATE_CHARS,
  RequestStateError,
  type Sealer,
  type StateRefusal,
} from './seal.ts';
export {
  argsDigest,
  canonicalJson,
  mintState,
  openState,
  STATE_TTL_SEC,
  type StateBinding,
  type StatePayload,
} from './state.ts';
export { CallLedger, stateVerifier, watchIncoming } from './verify.ts';
