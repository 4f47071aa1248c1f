// carriesEnvelopeClaim (lib/mcp/endpoint.ts) skips the SDK's isLegacyRequest for bodies the SDK documents
// as never legacy. Checked against the SDK itself: whenever the shortcut says "claim", isLegacyRequest
// says "not legacy", for generated bodies and headers (initialize, responses, batches, broken envelopes).
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carriesEnvelopeClaim } from '../../../lib/mcp/endpoint.ts';

const version = fc.constantFrom('2026-07-28', '2025-06-18', '2025-11-25', 'bogus', 7, null);
const meta = fc.record(
  {
    [PROTOCOL_VERSION_META_KEY]: version,
    'io.modelcontextprotocol/clientInfo': fc.constantFrom({ name: 'x', version: '1' }, 'bad'),
    'io.modelcontextprotocol/clientCapabilities': fc.constantFrom({}, 3),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    method: fc.constantFrom(
      'tools/call',
      'tools/list',
      'initialize',
      'notifications/initialized',
      'server/discover',
      5,
    ),
    params: fc.oneof(fc.record({ _meta: fc.oneof(meta, fc.constant([]), fc.constant(null)) }), fc.constant([])),
    result: fc.constant({}),
    error: fc.constant({ code: 1, message: 'x' }),
  },
  { requiredKeys: [] },
);
// Mostly well-formed requests with a claim (the interesting side), some with junk around them.
const claimed = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'notifications/initialized', 'server/discover'),
    params: fc.record({ _meta: meta }),
  },
  { requiredKeys: ['method', 'params'] },
);
const body = fc.oneof(claimed, claimed, message, fc.array(message, { maxLength: 3 }), fc.jsonValue());
const headers = fc.record(
  {
    'mcp-protocol-version': fc.constantFrom('2026-07-28', '2025-06-18', 'junk'),
    'mcp-method': fc.constantFrom('tools/call', 'tools/list', 'initialize'),
  },
  { requiredKeys: [] },
);

describe('the era shortcut agrees with the SDK classifier', () => {
  it('never calls a request modern that isLegacyRequest calls legacy', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const text = JSON.stringify(b);
        const request = new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...h },
          body: text,
        });
        const parsed = JSON.parse(text);
        if (!carriesEnvelopeClaim(parsed)) return;
        hits++;
        expect(await isLegacyRequest(request, parsed)).toBe(false);
      }),
      { numRuns: 1500 },
    );
    expect(hits).toBeGreaterThan(100);
  });

  it('claims a 2026-07-28 tools/call and nothing legacy-shaped', () => {
    const m = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' };
    expect(carriesEnvelopeClaim({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: m } })).toBe(true);
    expect(carriesEnvelopeClaim({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { _meta: m } })).toBe(false);
    expect(carriesEnvelopeClaim({ jsonrpc: '2.0', id: 1, result: {}, method: 'x', params: { _meta: m } })).toBe(false);
    expect(carriesEnvelopeClaim([{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: m } }])).toBe(false);
    expect(carriesEnvelopeClaim({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} })).toBe(false);
  });
});
