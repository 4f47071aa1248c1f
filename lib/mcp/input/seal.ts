// Sealing of the `requestState` of input-required results: authenticated encryption (AES-256-GCM) with
// a key id, so keys can rotate, and an expiry inside the sealed body.
//
// Written by hand on node:crypto because the SDK's createRequestStateCodec (v2.4.0) is HMAC-signed, not
// encrypted (the client can read the payload: here it holds the user's earlier answers and whom the
// state belongs to), has a single key with no key id (no rotation), and its verify failures are
// opaque strings we could not audit by reason. The SDK's `requestState.verify` seam still runs ours.
//
// Wire form: "v1.<kid>.<b64url iv(12)>.<b64url ciphertext+tag(16)>"; the version and kid are the AAD,
// so neither can be swapped without failing the tag.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { RequestStateKey } from '../../config.ts';

/** Why a state was refused: fixed codes, never caller input. */
export type StateRefusal = 'malformed' | 'unknown_key' | 'tampered' | 'expired' | 'binding';

export class RequestStateError extends Error {
  readonly code = 'invalid_request_state';
  readonly reason: StateRefusal;
  constructor(reason: StateRefusal) {
    super(`requestState refused: ${reason}`);
    this.name = 'RequestStateError';
    this.reason = reason;
  }
}

export interface Sealer {
  /** Seals `payload` (JSON) so that it opens until `ttlSec` from now. */
  seal(payload: unknown, ttlSec: number): string;
  /** The payload, or a RequestStateError naming why not. */
  open(state: string): unknown;
}

const VERSION = 'v1';
/** Longer states are refused before any decoding (a state holds a few answers, not megabytes). */
export const MAX_STATE_CHARS = 256 * 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A sealer over `keys` (the first seals, all open). `now` is injectable for the expiry tests. */
export function createSealer(keys: readonly RequestStateKey[], now: () => number = Date.now): Sealer {
  if (keys.length === 0) throw new Error('createSealer needs at least one key');
  const byKid = new Map(keys.map((k) => [k.kid, k.key]));
  const current = keys[0]!;
  return {
    seal(payload, ttlSec) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(`${VERSION}.${current.kid}`));
      const body = JSON.stringify({ exp: Math.floor(now() / 1000) + ttlSec, p: payload });
      const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${current.kid}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    open(state) {
      if (typeof state !== 'string' || state.length > MAX_STATE_CHARS) throw new RequestStateError('malformed');
      const parts = state.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new RequestStateError('malformed');
      const [, kid, ivText, sealedText] = parts as [string, string, string, string];
      if (!B64URL.test(ivText) || !B64URL.test(sealedText)) throw new RequestStateError('malformed');
      const key = byKid.get(kid);
      if (!key) throw new RequestStateError('unknown_key');
      const iv = Buffer.from(ivText, 'base64url');
      const sealed = Buffer.from(sealedText, 'base64url');
      if (iv.length !== 12 || sealed.length < 17) throw new RequestStateError('malformed');
      // Only the canonical encoding: another spelling of the same bytes is a modified state too.
      if (iv.toString('base64url') !== ivText || sealed.toString('base64url') !== sealedText) {
        throw new RequestStateError('malformed');
      }
      let body: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(`${VERSION}.${kid}`));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        body = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString();
      } catch {
        throw new RequestStateError('tampered');
      }
      // Authentic from here on: we wrote this JSON.
      const { exp, p } = JSON.parse(body) as { exp: number; p: unknown };
      if (!(Math.floor(now() / 1000) < exp)) throw new RequestStateError('expired');
      return p;
    },
  };
}

/** A random key for a process that was given none (state then opens only on this instance). */
export function ephemeralKey(): RequestStateKey {
  return { kid: 'ephemeral', key: new Uint8Array(randomBytes(32)) };
}
