// What a sealed `requestState` holds and what it is bound to: the caller (subject and client), the
// tool and a digest of its arguments as the client sent them. A state minted for one of these opens
// for no other: replayed by another user, on another tool or with other arguments it is refused like a
// tampered one. Its expiry lives in the seal (seal.ts).

import { createHash } from 'node:crypto';
import { RequestStateError, type Sealer } from './seal.ts';

/** How long a state stays valid: a human answers an elicitation, so minutes, not seconds. */
export const STATE_TTL_SEC = 600;

/** What a state is bound to. */
export interface StateBinding {
  subject: string;
  clientId: string;
  tool: string;
  /** argsDigest of the call's arguments as sent. */
  args: string;
}

/** The sealed payload: the binding plus the answers recorded in earlier rounds, keyed by input key. */
export interface StatePayload extends StateBinding {
  answers: Record<string, unknown>;
}

/** Pure: JSON with object keys sorted at every level, so equal arguments give equal digests. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Pure: SHA-256 (base64url) of the canonical JSON of a call's arguments (absent arguments are `{}`). */
export function argsDigest(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? {}))
    .digest('base64url');
}

/** Seals the answers of a call so far, bound to `binding`. */
export function mintState(sealer: Sealer, binding: StateBinding, answers: Record<string, unknown>): string {
  const payload: StatePayload = { ...binding, answers };
  return sealer.seal(payload, STATE_TTL_SEC);
}

/** The answers recorded in `state`, when it opens and is bound to `binding`; else a RequestStateError. */
export function openState(sealer: Sealer, state: string, binding: StateBinding | undefined): StatePayload {
  const p = sealer.open(state) as Partial<StatePayload> | null;
  if (
    !binding ||
    typeof p !== 'object' ||
    p === null ||
    p.subject !== binding.subject ||
    p.clientId !== binding.clientId ||
    p.tool !== binding.tool ||
    p.args !== binding.args ||
    typeof p.answers !== 'object' ||
    p.answers === null
  ) {
    throw new RequestStateError('binding');
  }
  // No prototype: the answer keys come from a client (sealed by us, but keyed by the client's retry).
  const answers: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(p.answers)) answers[k] = v;
  return { ...(p as StatePayload), answers };
}
