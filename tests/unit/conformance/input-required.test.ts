// The input-required and stateless fixtures (lib/tools/conformance/input-required.ts) answer what the
// 0.2.0-alpha.12 scenarios check, through the real /mcp app in-process (auth off, fixtures on), at 2026-07-28.
import { describe, expect, it } from 'vitest';
import { createMcpApp } from '../../../lib/apps/mcp.ts';
import { loadConfig } from '../../../lib/config.ts';
import { INPUT_REQUIRED_FIXTURE_TOOLS, INPUT_REQUIRED_PROMPT } from '../../../lib/tools/conformance/input-required.ts';
import { testContext } from '../../support/context.ts';

const URL_ = 'http://127.0.0.1:3000/mcp';
const app = createMcpApp(
  loadConfig({ AUTH_DISABLED: 'true', MCP_PUBLIC_URL: URL_, CONFORMANCE_FIXTURES: 'true', AUDIT_SINK: 'off' }),
);
const ALL = { elicitation: {}, sampling: {}, roots: {} };
let nextId = 1;

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC frames are checked by the assertions.
type Frame = Record<string, any>;

async function rpc(
  method: string,
  params: Frame,
  caps: Frame = ALL,
): Promise<{ status: number; frames: Frame[]; body: Frame }> {
  const id = nextId++;
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': caps,
  };
  const r = await app(
    new Request(URL_, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        'mcp-name': String(params.name),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }),
    }),
    testContext(),
  );
  const text = await r.text();
  const frames = text.startsWith('{')
    ? [JSON.parse(text) as Frame]
    : text
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.length > 6)
        .map((l) => JSON.parse(l.slice(6)) as Frame);
  return { status: r.status, frames, body: frames.find((f) => f.id === id) ?? {} };
}

const accept = (content: Frame) => ({ action: 'accept', content });

describe('input-required fixtures (CONFORMANCE_FIXTURES=true, 2026-07-28)', () => {
  it('tools/list names every fixture the scenarios call', async () => {
    const { body } = await rpc('tools/list', {});
    const names = body.result.tools.map((t: Frame) => t.name);
    for (const t of INPUT_REQUIRED_FIXTURE_TOOLS) expect(names).toContain(t.name);
    expect(names).toEqual(
      expect.arrayContaining(['test_missing_capability', 'test_streaming_elicitation', 'test_logging_tool']),
    );
  });

  it('elicitation: user_name asked with a sealed state, then "Hello, Alice!"; extra keys ignored', async () => {
    const first = await rpc('tools/call', { name: 'test_input_required_result_elicitation', arguments: {} });
    expect(first.body.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { user_name: { method: 'elicitation/create' } },
    });
    const second = await rpc('tools/call', {
      name: 'test_input_required_result_elicitation',
      arguments: {},
      inputResponses: { user_name: accept({ name: 'Alice' }), extra: accept({}) },
      requestState: first.body.result.requestState,
    });
    expect(second.body.result.content).toEqual([{ type: 'text', text: 'Hello, Alice!' }]);
  });

  it('a wrong key or an answer that is not an object is asked again, never completed', async () => {
    for (const inputResponses of [{ wrong_key: accept({ data: 'x' }) }, { user_name: 12345 }]) {
      const r = await rpc('tools/call', {
        name: 'test_input_required_result_elicitation',
        arguments: {},
        inputResponses,
      });
      expect(r.body.result?.resultType ?? 'error').not.toBe('complete');
    }
  });

  it('multiple inputs in one round; capabilities: only what the request declared', async () => {
    const many = await rpc('tools/call', { name: 'test_input_required_result_multiple_inputs', arguments: {} });
    expect(Object.keys(many.body.result.inputRequests).sort()).toEqual(['client_roots', 'greeting', 'user_name']);
    const samplingOnly = await rpc(
      'tools/call',
      { name: 'test_input_required_result_capabilities', arguments: {} },
      { sampling: {} },
    );
    const methods = Object.values(samplingOnly.body.result.inputRequests).map((r) => (r as Frame).method);
    expect(methods).toEqual(['sampling/createMessage']);
  });

  it('test_missing_capability without sampling: -32021 naming sampling, HTTP 400', async () => {
    const r = await rpc('tools/call', { name: 'test_missing_capability', arguments: {} }, {});
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
  });

  it('test_streaming_elicitation: the stream carries no request; test_logging_tool: no log without a level', async () => {
    const s = await rpc('tools/call', { name: 'test_streaming_elicitation', arguments: {} }, { elicitation: {} });
    expect(s.frames.some((f) => f.method && !String(f.method).startsWith('notifications/'))).toBe(false);
    expect(s.body.result.resultType).toBe('input_required');
    const l = await rpc('tools/call', { name: 'test_logging_tool', arguments: {} });
    expect(l.frames.filter((f) => f.method === 'notifications/message')).toEqual([]);
  });

  it('the prompt asks for user_context, then answers with it', async () => {
    const first = await rpc('prompts/get', { name: INPUT_REQUIRED_PROMPT });
    expect(first.body.result.inputRequests.user_context.method).toBe('elicitation/create');
    const second = await rpc('prompts/get', {
      name: INPUT_REQUIRED_PROMPT,
      inputResponses: { user_context: accept({ context: 'tests' }) },
    });
    expect(second.body.result.messages[0].content.text).toBe('Use this context: tests');
  });
});
