// The local host's request-target split: what WHATWG URL would give, and undefined (the host answers 400) for a
// target that is no URL at all, instead of the TypeError that used to kill the host (#17 B3, B4).
import { describe, expect, it } from 'vitest';
import { splitTarget } from '../../../local/host.ts';

describe('splitTarget', () => {
  it('passes plain origin-form targets through', () => {
    expect(splitTarget('/mcp')).toEqual({ path: '/mcp', query: '' });
    expect(splitTarget('/messages/?sessionId=abc')).toEqual({ path: '/messages/', query: 'sessionId=abc' });
    expect(splitTarget(undefined)).toEqual({ path: '/', query: '' });
  });

  it('normalises the way URL does: dot segments, absolute form, encoding', () => {
    expect(splitTarget('/a/../mcp')).toEqual({ path: '/mcp', query: '' });
    expect(splitTarget('http://127.0.0.1:3000/mcp?x=1')).toEqual({ path: '/mcp', query: 'x=1' });
    expect(splitTarget('/a b')).toEqual({ path: '/a%20b', query: '' });
  });

  it('is undefined for targets URL cannot parse', () => {
    for (const t of ['//[', 'http://[x/mcp', '//[::1', 'http://a b/mcp']) expect(splitTarget(t), t).toBeUndefined();
  });
});
