import { describe, expect, it } from 'vitest';
import { createMemoryStores, createStores } from '../../../lib/store/index.ts';
import { baseConfig, storeContract } from './contract.ts';

// In memory, two "instances" are two handles on one process-wide store (what a warm Lambda instance shares).
storeContract('memory', {
  pair(cfg, options) {
    const s = createMemoryStores(cfg, options);
    return [s, s];
  },
});

describe('memory: process singleton', () => {
  it('createStores returns the same stores on every call', () => {
    const cfg = baseConfig();
    const a = createStores(cfg);
    expect(a.kind).toBe('memory');
    expect(createStores(cfg)).toBe(a);
  });
});
