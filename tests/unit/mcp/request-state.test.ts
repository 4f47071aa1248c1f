// The sealed requestState of input-required results (lib/mcp/input): AES-256-GCM with a key id and an
// expiry, bound to the caller, the tool and its arguments. Hostile cases first: every byte of every
// region of a sealed state modified, other keys, other callers, expired; then rotation and the asks.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type RequestStateKey } from '../../../lib/config.ts';
import {
  argsDigest,
  canonicalJson,
  createAsks,
  createSealer,
  InputKeyError,
  InputPending,
  MAX_STATE_CHARS,
  mintState,
  openState,
  RequestStateError,
  STATE_TTL_SEC,
  type StateBinding,
} from '../../../lib/mcp/input/index.ts';

const key = (kid: string): RequestStateKey => ({ kid, key: new Uint8Array(randomBytes(32)) });
const K1 = key('k1');
const K2 = key('k2');
const BINDING: StateBinding = {
  subject: 'alice',
  clientId: 'app',
  tool: 'tools/call confirm_demo',
  args: argsDigest({ action: 'x' }),
};

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestStateError);
    return (err as RequestStateError).reason;
  }
  throw new Error('expected the state to be refused');
}

/** The state with byte `i` of part `part` (2 = iv, 3 = ciphertext+tag) flipped, canonically re-encoded. */
function flipByte(state: string, part: 2 | 3, i: number): string {
  const parts = state.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[i] = bytes[i]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('a sealed requestState refuses every modification', () => {
  const sealer = createSealer([K1]);
  const state = mintState(sealer, BINDING, { confirm: { action: 'accept', content: { confirm: true } } });

  it('is opaque: nothing of the payload (subject, tool, answers) reads in clear', () => {
    expect(state).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const decoded = state
      .split('.')
      .slice(2)
      .map((p) => Buffer.from(p, 'base64url').toString('latin1'))
      .join('');
    for (const clear of ['alice', 'confirm_demo', 'accept', 'answers']) expect(decoded).not.toContain(clear);
  });

  it('every byte of the iv, the ciphertext and the tag, flipped, is refused as tampered', () => {
    const [, , iv, sealed] = state.split('.');
    const ivBytes = Buffer.from(iv!, 'base64url').length;
    const sealedBytes = Buffer.from(sealed!, 'base64url').length;
    expect(ivBytes).toBe(12);
    for (let i = 0; i < ivBytes; i++) expect(refusal(() => sealer.open(flipByte(state, 2, i)))).toBe('tampered');
    // The ciphertext and its last 16 bytes, the GCM tag.
    for (let i = 0; i < sealedBytes; i++) expect(refusal(() => sealer.open(flipByte(state, 3, i)))).toBe('tampered');
  });

  it('every character of the wire string, changed, is refused (no other spelling of the same bytes opens)', () => {
    for (let i = 0; i < state.length; i++) {
      const c = state[i] === 'A' ? 'B' : 'A';
      const changed = state.slice(0, i) + c + state.slice(i + 1);
      expect(['malformed', 'unknown_key', 'tampered']).toContain(refusal(() => sealer.open(changed)));
    }
  });

  it('a truncated, extended, re-versioned or empty state is refused', () => {
    expect(refusal(() => sealer.open(`${state}-TAMPERED`))).toMatch(/malformed|tampered/);
    expect(refusal(() => sealer.open(state.slice(0, -1)))).toMatch(/malformed|tampered/);
    expect(refusal(() => sealer.open(state.replace(/^v1\./, 'v2.')))).toBe('malformed');
    expect(refusal(() => sealer.open(''))).toBe('malformed');
    expect(refusal(() => sealer.open('v1.k1..'))).toBe('malformed');
    expect(refusal(() => sealer.open('x'.repeat(MAX_STATE_CHARS + 1)))).toBe('malformed');
  });

  it('a state under an unknown key id is refused; a known kid swapped in fails the tag', () => {
    expect(refusal(() => sealer.open(state.replace('.k1.', '.k9.')))).toBe('unknown_key');
    const both = createSealer([K1, K2]);
    expect(refusal(() => both.open(state.replace('.k1.', '.k2.')))).toBe('tampered');
  });

  it('the same kid with another key (a wrong REQUEST_STATE_KEYS on one instance) is refused as tampered', () => {
    const impostor = createSealer([{ kid: 'k1', key: new Uint8Array(randomBytes(32)) }]);
    expect(refusal(() => impostor.open(state))).toBe('tampered');
    expect(refusal(() => sealer.open(mintState(impostor, BINDING, {})))).toBe('tampered');
  });

  it('another subject, client, tool or arguments: refused as binding (replay for another user or call)', () => {
    for (const other of [
      { ...BINDING, subject: 'mallory' },
      { ...BINDING, clientId: 'other-app' },
      { ...BINDING, tool: 'tools/call sample_demo' },
      { ...BINDING, args: argsDigest({ action: 'y' }) },
    ]) {
      expect(refusal(() => openState(sealer, state, other))).toBe('binding');
    }
    expect(refusal(() => openState(sealer, state, undefined))).toBe('binding');
  });

  it('expires: opens until the TTL, refused from then on', () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const clocked = createSealer([K1], () => now);
    const s = mintState(clocked, BINDING, {});
    now += (STATE_TTL_SEC - 1) * 1000;
    expect(openState(clocked, s, BINDING).answers).toEqual({});
    now += 1000;
    expect(refusal(() => openState(clocked, s, BINDING))).toBe('expired');
  });
});

describe('key rotation', () => {
  it('the first key seals; a rotated-out key still opens what it sealed; a removed key does not', () => {
    const old = createSealer([K1]);
    const rotated = createSealer([K2, K1]);
    const s = mintState(old, BINDING, { a: { action: 'decline' } });
    expect(openState(rotated, s, BINDING).answers).toEqual({ a: { action: 'decline' } });
    expect(mintState(rotated, BINDING, {})).toMatch(/^v1\.k2\./);
    expect(refusal(() => openState(createSealer([K2]), s, BINDING))).toBe('unknown_key');
  });
});

describe('REQUEST_STATE_KEYS', () => {
  const b64 = (n = 32) => randomBytes(n).toString('base64');
  it('parses kid:base64key entries in order (first seals)', () => {
    const cfg = loadConfig({ AUTH_DISABLED: 'true', REQUEST_STATE_KEYS: `new:${b64()}, old:${b64()}` });
    expect(cfg.requestState.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(cfg.requestState.keys[0]!.key).toHaveLength(32);
    expect(loadConfig({ AUTH_DISABLED: 'true' }).requestState.keys).toEqual([]);
  });
  it('refuses short keys, bad entries and duplicate kids, never echoing the key', () => {
    const short = b64(16);
    for (const value of [`k:${short}`, `k${b64()}`, `k:${b64()},k:${b64()}`, `bad kid:${b64()}`]) {
      let err: unknown;
      try {
        loadConfig({ AUTH_DISABLED: 'true', REQUEST_STATE_KEYS: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('REQUEST_STATE_KEYS');
      expect((err as Error).message).not.toContain(short);
    }
  });
});

describe('canonical argument digests', () => {
  it('ignores key order, not values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(argsDigest({ a: 1, b: 2 })).toBe(argsDigest({ b: 2, a: 1 }));
    expect(argsDigest({ a: 1 })).not.toBe(argsDigest({ a: '1' }));
    expect(argsDigest(undefined)).toBe(argsDigest({}));
  });
});

describe('asks (the re-run journal)', () => {
  const form = { message: 'name?', requestedSchema: { type: 'object' as const, properties: {} } };

  it('an unanswered ask rejects with InputPending and is pending under its key', async () => {
    const asks = createAsks(Object.create(null), undefined);
    await expect(asks.elicit(form, { key: 'user_name' })).rejects.toBeInstanceOf(InputPending);
    expect([...asks.pending.keys()]).toEqual(['user_name']);
    expect(asks.pending.get('user_name')).toMatchObject({ method: 'elicitation/create' });
  });

  it('asks started together are all pending in one round; default keys follow call order', async () => {
    const asks = createAsks(Object.create(null), undefined);
    const all = Promise.all([asks.elicit(form), asks.sample({ messages: [], maxTokens: 1 }), asks.listRoots()]);
    await expect(all).rejects.toBeInstanceOf(InputPending);
    expect([...asks.pending.keys()]).toEqual(['elicit_1', 'sample_2', 'roots_3']);
  });

  it('answers of the wrong kind or shape count as missing (asked again)', async () => {
    const current = {
      a: 12345,
      b: { roots: [] },
      c: { action: 'accept', content: { nested: { not: 'a field value' } } },
      d: { action: 'maybe' },
    };
    const asks = createAsks(Object.create(null), current);
    for (const k of ['a', 'b', 'c', 'd'])
      await expect(asks.elicit(form, { key: k })).rejects.toBeInstanceOf(InputPending);
    expect(asks.pending.size).toBe(4);
  });

  it('recorded answers win over this round; only used answers are carried forward; extra keys ignored', async () => {
    const recorded = Object.assign(Object.create(null), { step1: { action: 'accept', content: { name: 'Alice' } } });
    const current = {
      step1: { action: 'accept', content: { name: 'Mallory' } },
      step2: { action: 'accept', content: { color: 'blue' } },
      extra: { action: 'accept', content: {} },
    };
    const asks = createAsks(recorded, current);
    expect((await asks.elicit(form, { key: 'step1' })).content).toEqual({ name: 'Alice' });
    expect((await asks.elicit(form, { key: 'step2' })).content).toEqual({ color: 'blue' });
    expect(Object.keys(asks.used())).toEqual(['step1', 'step2']);
  });

  it('refuses keys that are not plain names (prototype keys included) and a key used twice', async () => {
    const asks = createAsks(Object.create(null), { __proto__: { action: 'accept' } } as never);
    for (const k of ['__proto__', '', '1abc', 'a b', 'x'.repeat(65)]) {
      await expect(asks.elicit(form, { key: k })).rejects.toBeInstanceOf(InputKeyError);
    }
    await expect(asks.elicit(form, { key: 'once' })).rejects.toBeInstanceOf(InputPending);
    await expect(asks.elicit(form, { key: 'once' })).rejects.toBeInstanceOf(InputKeyError);
  });
});
