// In-process CPU of the /mcp core alone (lib/mcp createMcpCore after the gate: body, era routing, the SDK's
// createMcpHandler, a fresh server per request), against the SDK v2 reference handler (bench/reference/sdk-app.ts)
// with the same tools, on the same web Requests: no Lambda adapter, no gate, no audit sink, TypeScript sources.
// It isolates what lib/mcp and the SDK (as lib/mcp drives it) cost, for docs/sdk-upstream.md (issue #18).
// `process.cpuUsage` over batches of 40 calls, one event-loop turn after each, all cases interleaved; the
// figure is the mean with the highest and lowest 10 % of batches left out.
//
//   node bench/mcp-core.ts                 BENCH_CORE_MS (default 6000): time spent calling
//   BENCH_CORE_ONLY='ours tools/call' node --cpu-prof --cpu-prof-dir=bench/tmp/prof bench/mcp-core.ts
//
// Cases: `ours` (createCore of lib/apps/mcp-core.ts, as the function runs it), `ours, every tool registered`
// (createMcpCore with registerCalledOnly: false, the registration before issue #18) and `reference`.
import { createCore } from '../lib/apps/mcp-core.ts';
import { toAuthInfo } from '../lib/auth/index.ts';
import { loadConfig } from '../lib/config.ts';
import { createMcpCore, createServerFactory } from '../lib/mcp/index.ts';
import { EMPTY_CATALOGUE } from '../lib/tools/catalogue.ts';
import { demoTools } from '../lib/tools/demo.ts';
import type { ToolDefinition } from '../lib/tools/index.ts';
import type { InvocationContext } from '../lib/web-handler.ts';
import { mcpToolCall } from './load.ts';
import { createReferenceHandler } from './reference/sdk-app.ts';
import { trimmedMean } from './stats.ts';

const cfg = loadConfig({
  ...process.env,
  AUTH_DISABLED: 'true',
  MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp',
  AUDIT_SINK: 'off',
});
const refused = () => new Response(null, { status: 403 });
const ours = await createCore(cfg, EMPTY_CATALOGUE, refused);
const tools = demoTools as unknown as ToolDefinition[];
const everyTool = createMcpCore(cfg, {
  tools,
  insufficientScope: refused,
  factory: createServerFactory(tools, undefined, { registerCalledOnly: false }),
});
const reference = createReferenceHandler({ tools: demoTools });
const authInfo = toAuthInfo({ subject: 'bench', clientId: 'bench', scopes: ['mcp:tools'], expiresAt: 0, issuer: '' });

const call = mcpToolCall('echo', { text: 'hello bench' });
const listHeaders: Record<string, string> = { ...call.headers, 'mcp-method': 'tools/list' };
delete listHeaders['mcp-name'];
const listBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/list',
  params: { _meta: JSON.parse(call.body).params._meta },
});
const ctx = (bodyText: string) =>
  ({ requestId: 'bench', functionName: 'bench', bodyText, waitUntil() {} }) as unknown as InvocationContext;
const request = (headers: Record<string, string>, body: string) =>
  new Request('http://127.0.0.1:3000/mcp', { method: 'POST', headers, body });

const cases: Array<[string, () => Promise<Response>]> = [
  ['ours tools/call', () => ours(request(call.headers, call.body), authInfo, ctx(call.body))],
  [
    'ours, every tool registered tools/call',
    () => everyTool(request(call.headers, call.body), authInfo, ctx(call.body)),
  ],
  ['reference tools/call', () => reference(request(call.headers, call.body))],
  ['ours tools/list', () => ours(request(listHeaders, listBody), authInfo, ctx(listBody))],
  ['reference tools/list', () => reference(request(listHeaders, listBody))],
];
const only = process.env.BENCH_CORE_ONLY?.split(',');
const selected = cases.filter(([name]) => !only || only.includes(name));
for (const [name, run] of selected) {
  const response = await run();
  const text = await response.text();
  if (response.status !== 200 || !/hello bench|"echo"/.test(text))
    throw new Error(`${name}: ${response.status} ${text}`);
}
const batches = new Map<string, number[]>(selected.map(([name]) => [name, []]));
const end = Date.now() + Number(process.env.BENCH_CORE_MS ?? 6000);
while (Date.now() < end) {
  for (const [name, run] of selected) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 40; i++) {
      await (await run()).text();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const d = process.cpuUsage(t0);
    batches.get(name)!.push((d.user + d.system) / 40);
  }
}
for (const [name, xs] of batches) {
  process.stdout.write(`${name.padEnd(40)} ${trimmedMean(xs).toFixed(1).padStart(7)} µs  (${xs.length} batches)\n`);
}
