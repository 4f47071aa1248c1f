// Pure rules of the session handlers, and the tool lookup keyed by a caller's tool name.
import { describe, expect, it } from 'vitest';
import { invalidBody, negotiatedVersion, supportsPriming } from '../../../lib/mcp/sessions/shared.ts';
import { findTool, tools } from '../../../lib/tools/index.ts';

describe('invalidBody: what a POST must be before anything runs', () => {
  it('accepts requests, notifications, responses and batches of them', () => {
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'echo', arguments: {} } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } },
      [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: '1', method: 'ping' },
        { jsonrpc: '2.0', id: 1, result: {} },
      ],
    ]) {
      expect(invalidBody(body), JSON.stringify(body)).toBeUndefined();
    }
  });

  it('refuses what the server could never answer', () => {
    for (const body of [
      { jsonrpc: '2.0', id: {}, method: 'ping' },
      { jsonrpc: '1.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 42 },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' },
      { jsonrpc: '2.0', id: null, method: 'ping' },
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
      { id: 1, method: 'ping' },
      'ping',
      null,
      7,
      [],
      [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 'x'],
      [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      ],
    ]) {
      expect(invalidBody(body), JSON.stringify(body)).toEqual(expect.any(String));
    }
  });
});

describe('versions', () => {
  it('negotiates a 2025-era version and knows which ones take a priming event', () => {
    expect(negotiatedVersion('2025-06-18')).toBe('2025-06-18');
    expect(negotiatedVersion('2026-07-28')).not.toBe('2026-07-28');
    expect(negotiatedVersion({ toString: () => '2025-06-18' })).not.toBe('2025-06-18');
    expect(supportsPriming('2025-11-25')).toBe(true);
    expect(supportsPriming('2025-06-18')).toBe(false);
  });
});

describe('findTool: a caller names the tool', () => {
  it('finds catalogue tools and nothing for Object.prototype keys', () => {
    expect(findTool(tools, 'echo')?.name).toBe('echo');
    for (const name of [
      'constructor',
      'hasOwnProperty',
      'isPrototypeOf',
      '__lookupGetter__',
      '__proto__',
      'toString',
    ]) {
      expect(findTool(tools, name), name).toBeUndefined();
    }
    expect(findTool(tools, 42)).toBeUndefined();
  });
});
