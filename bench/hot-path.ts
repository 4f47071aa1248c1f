// In-process micro-benchmark of the warm /mcp path, without sockets: a prebuilt Function URL event
// through functions/mcp.ts's exact composition (lambdaHandler(createMcpApp(cfg))) into a runtime
// response stream that discards bytes, 10 calls in flight, a real RS256 JWT verified on every call.
// Audit records go to stdout: run with `> /dev/null` (or to a file) to see the figures on stderr.
//
//   node bench/hot-path.ts > /dev/null          BENCH_MS (default 3000), BENCH_INFLIGHT (default 10)
//   BENCH_LAYER=app node bench/hot-path.ts      the web app alone (prebuilt Request, body read with text())
//   BENCH_LAYER=sdk node bench/hot-path.ts      the SDK reference handler alone (bench/reference), same call
import { createMcpApp } from '../lib/apps/mcp.ts';
import { loadConfig } from '../lib/config.ts';
import { lambdaHandler } from '../lib/http/index.ts';
import type { InvocationContext } from '../lib/web-handler.ts';
import { installAwsLambdaGlobal, RuntimeResponseStream } from '../local/runtime.ts';
import { startTestIssuer } from '../tests/support/issuer.ts';
import { mcpToolCall } from './load.ts';
import { createReferenceHandler } from './reference/sdk-app.ts';

const MS = Number(process.env.BENCH_MS ?? 3000);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 10);
const LAYER = process.env.BENCH_LAYER ?? 'lambda';

installAwsLambdaGlobal();
const issuer = await startTestIssuer();
const publicUrl = 'http://127.0.0.1:3000/mcp';
const cfg = loadConfig({
  ...process.env,
  MCP_PUBLIC_URL: publicUrl,
  AUTH_ISSUER: issuer.issuer,
  AUTH_JWKS_URL: issuer.jwksUrl,
  AUDIT_SINK: process.env.AUDIT_SINK ?? 'stdout',
});
const app = createMcpApp(cfg);
const handler = lambdaHandler(app, 'stream') as (e: unknown, s: RuntimeResponseStream, c: unknown) => Promise<void>;
const token = await issuer.token({ audience: publicUrl, scope: 'mcp:tools', ttlSec: 3600 });
const echo = mcpToolCall('echo', { text: 'hello bench' });
const headers = { ...echo.headers, authorization: `Bearer ${token}`, host: '127.0.0.1:3000' };

let n = 0;
const event = () => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/mcp',
  rawQueryString: '',
  headers: { ...headers, 'x-forwarded-proto': 'http', 'content-length': String(Buffer.byteLength(echo.body)) },
  requestContext: {
    domainName: '127.0.0.1:3000',
    http: { method: 'POST', path: '/mcp', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: `r${++n}`,
    timeEpoch: Date.now(),
  },
  body: echo.body,
  isBase64Encoded: false,
});
const context = () => ({
  awsRequestId: `r${n}`,
  functionName: 'McpFunction',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 30_000,
});

const reference = createReferenceHandler();
let bytes = 0;
async function once(): Promise<void> {
  if (LAYER === 'sdk') {
    const res = await reference(new Request(publicUrl, { method: 'POST', headers: echo.headers, body: echo.body }));
    const text = await res.text();
    if (res.status !== 200 || !text.includes('hello bench')) throw new Error(`sdk: ${res.status} ${text}`);
    bytes += text.length;
    return;
  }
  if (LAYER === 'app') {
    const ac = new AbortController();
    const ctx: InvocationContext = {
      requestId: `r${++n}`,
      functionName: 'McpFunction',
      functionVersion: '$LATEST',
      sourceIp: '127.0.0.1',
      userAgent: 'bench',
      signal: ac.signal,
      deadline: Date.now() + 30_000,
      waitUntil: () => {},
    };
    const res = await app(new Request(publicUrl, { method: 'POST', headers, body: echo.body }), ctx);
    const text = await res.text();
    if (res.status !== 200 || !text.includes('hello bench')) throw new Error(`app: ${res.status} ${text}`);
    bytes += text.length;
    return;
  }
  const stream = new RuntimeResponseStream((c) => {
    bytes += c.length;
  });
  await handler(event(), stream, context());
}

// Warm-up, then the timed loop.
for (let i = 0; i < 200; i++) await once();
const latencies: number[] = [];
const cpu0 = process.cpuUsage();
const until = performance.now() + MS;
let done = 0;
await Promise.all(
  Array.from({ length: INFLIGHT }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      await once();
      latencies.push(performance.now() - t);
      done++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2);
process.stderr.write(
  `${LAYER}: ${((done * 1000) / MS).toFixed(0)} calls/s, CPU ${((cpu.user + cpu.system) / done).toFixed(0)} µs/call, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (${INFLIGHT} in flight, ${bytes} bytes)\n`,
);
await issuer.stop();
