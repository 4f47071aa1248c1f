// No policies = today's behaviour and the Cedar engine never loaded: the real /mcp app in-process (auth off) serves
// tools/list and a call without loading @cedar-policy/cedar-wasm; with policies the same check sees it load (so the
// check can fail).
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { loadConfig } from '../../../lib/config.ts';
import { readPolicySource } from '../../../scripts/policies.ts';
import { testContext } from '../../support/context.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const URL_ = 'http://127.0.0.1:3000/mcp';
const cfg = loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: URL_, AUDIT_SINK: 'off' });
const cedarLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('cedar_wasm'));

async function call(app: ReturnType<typeof createMcpApp>, method: string, params: Record<string, unknown>) {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const r = await app(
    new Request(URL_, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(params.name ? { 'mcp-name': String(params.name) } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta } }),
    }),
    testContext(),
  );
  return r.text();
}

describe('no policies: scopes alone decide, Cedar is never loaded', () => {
  it('tools/list and tools/call work as before and load no Cedar; with policies it loads', async () => {
    const plain = createMcpApp(cfg, {}, { tools: toolManifest, load: async () => [], policies: undefined });
    expect(await call(plain, 'tools/list', {})).toContain('transfer_demo');
    expect(await call(plain, 'tools/call', { name: 'transfer_demo', arguments: { amount: 5, tenant: 'x' } })).toContain(
      'transferred 5 for x',
    );
    expect(cedarLoaded()).toBe(false);

    const policies = readPolicySource(ROOT, path.join(ROOT, 'policies', 'examples'));
    const guarded = createMcpApp(cfg, {}, { tools: toolManifest, load: async () => [], policies });
    // The anonymous caller (auth off) has no tenant claim: the example policies deny every transfer, so
    // tools/list hides it and a call gets the SDK's unknown-tool error; echo still runs.
    expect(await call(guarded, 'tools/list', {})).not.toContain('transfer_demo');
    expect(await call(guarded, 'tools/call', { name: 'echo', arguments: { text: 'hi' } })).toContain('"text":"hi"');
    expect(cedarLoaded()).toBe(true);
  });
});
