// After `sam build` (scripts/sam-check.sh): the Cedar engine ships with the functions that need it, where Lambda
// loads it from. Checks, on the build output:
//   1. CedarLayer holds nodejs/node_modules/@cedar-policy/cedar-wasm at the root package.json's version, with its
//      .wasm next to its JS (where the engine reads it);
//   2. the built McpFunction, run in a child process with NODE_PATH=<layer>/nodejs/node_modules as Lambda sets
//      /opt/nodejs/node_modules, decides with the policies it was built with (policies/examples, staged by
//      sam-check.sh): tools/list hides transfer_demo and a call to it is refused with -32602 (a deny: the
//      anonymous caller has no tenant claim), and echo runs (the examples' permit);
//   3. the same artifact without the layer on NODE_PATH fails closed (so check 2 can fail).
//
//   node scripts/sam-engine-check.ts <sam build dir>       exits 1 with the reason on any failure
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const build = path.resolve(process.argv[2] ?? '');
const layerModules = path.join(build, 'CedarLayer', 'nodejs', 'node_modules');
const pkgDir = path.join(layerModules, '@cedar-policy', 'cedar-wasm');

function fail(msg: string): never {
  console.error(`sam-engine-check: ${msg}`);
  process.exit(1);
}

const want = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies['@cedar-policy/cedar-wasm'];
if (!existsSync(path.join(pkgDir, 'package.json'))) fail(`no engine in the layer build (${pkgDir})`);
const got = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
if (got !== want) fail(`the layer has cedar-wasm ${got}, package.json pins ${want}`);
for (const f of ['nodejs/cedar_wasm.js', 'nodejs/cedar_wasm_bg.wasm'])
  if (!existsSync(path.join(pkgDir, f))) fail(`the layer lacks ${f}`);
console.log(`  CedarLayer   nodejs/node_modules/@cedar-policy/cedar-wasm ${got} with nodejs/cedar_wasm_bg.wasm`);

const fnDir = path.join(build, 'McpFunction');
const entry = readdirSync(fnDir).find((f) => f.endsWith('.mjs'));
if (!entry) fail('no McpFunction bundle');
if (readdirSync(fnDir, { recursive: true }).some((f) => String(f).endsWith('.wasm')))
  fail('McpFunction carries a .wasm itself (expected the layer to)');

/** One buffered Function URL request to the built handler in a fresh process (what a Lambda instance runs). */
function invoke(nodePath: string | undefined, method: string, params: Record<string, unknown>) {
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/mcp',
    rawQueryString: '',
    headers: {
      host: '127.0.0.1:3000',
      'x-forwarded-proto': 'http',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(params.name ? { 'mcp-name': String(params.name) } : {}),
    },
    requestContext: { http: { method: 'POST', path: '/mcp', sourceIp: '127.0.0.1' }, requestId: 'r', timeEpoch: 0 },
    isBase64Encoded: false,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  };
  const code = `const { handler } = await import(${JSON.stringify(`./${entry}`)});
const ctx = { awsRequestId: 'check', functionName: 'McpFunction', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 10000 };
const res = await handler(${JSON.stringify(event)}, ctx);
process.stdout.write(res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString() : String(res.body));`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...(nodePath ? { NODE_PATH: nodePath } : {}),
    AUTH_DISABLED: 'true',
    DEMO_TOOLS: 'true',
    RESPONSE_MODE: 'buffered',
    STORE: 'memory',
    AUDIT_SINK: 'off',
    LOG_LEVEL: 'error',
    MCP_PUBLIC_URL: 'http://127.0.0.1:3000/mcp',
  };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: fnDir, env, encoding: 'utf8' });
  if (r.status !== 0) fail(`the built handler exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return r.stdout;
}

const list = invoke(layerModules, 'tools/list', {});
if (!list.includes('"echo"')) fail(`with the layer, tools/list lacks echo: ${list.slice(0, 300)}`);
if (list.includes('transfer_demo'))
  fail('with the layer, tools/list shows transfer_demo (the example policies deny it)');
const echo = invoke(layerModules, 'tools/call', { name: 'echo', arguments: { text: 'policy-check' } });
if (!echo.includes('policy-check')) fail(`with the layer, echo did not run: ${echo.slice(0, 300)}`);
const transfer = invoke(layerModules, 'tools/call', {
  name: 'transfer_demo',
  arguments: { amount: 5, tenant: 'acme' },
});
if (transfer.includes('transferred') || !transfer.includes('"code":-32602'))
  fail(`with the layer, the denied transfer_demo call was not refused as an unknown tool: ${transfer.slice(0, 300)}`);
console.log('  McpFunction  with the layer on NODE_PATH: transfer_demo denied (hidden, call refused), echo allowed');

const bare = invoke(undefined, 'tools/call', { name: 'echo', arguments: { text: 'policy-check' } });
if (bare.includes('"text":"policy-check"')) fail('without the layer echo still ran: the check proves nothing');
console.log('  McpFunction  without the layer: fails closed (echo refused)');
