// One cold start, run in a fresh Node process by bench/cold-init.ts:
//
//   node bench/cold-probe.ts <bundle.mjs> <lambda|fetch> <401|prm|call> [prewarm]
//
// `call`: the first authenticated answer, a 2026-07-28 `tools/call echo` with BENCH_TOKEN as the bearer
// token, verified against the JWKS of AUTH_JWKS_URL (a local issuer), so it includes the JWKS fetch.
//
// Installs the `awslambda` global (as the runtime does before loading a handler), then times
// `import()` of the bundle, which constructs the app at module scope, and the first request
// answered: a POST /mcp without a token (the 401 path) or a GET of the PRM. Prints one JSON line:
// { importMs, firstResponseMs, status, rssMb } (rssMb: the process's RSS after the first response). With `prewarm`, Node's lazily loaded fetch globals (Headers,
// Request, Response: undici) are touched before the clock starts, to split their cost from the bundle's.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createPreludeParser, installAwsLambdaGlobal, RuntimeResponseStream } from '../local/runtime.ts';

const [file, kind, probe, prewarm] = process.argv.slice(2);
if (!file || (kind !== 'lambda' && kind !== 'fetch') || (probe !== '401' && probe !== 'prm' && probe !== 'call')) {
  throw new Error('usage: cold-probe.ts <bundle.mjs> <lambda|fetch> <401|prm|call>');
}
installAwsLambdaGlobal();
if (prewarm === 'prewarm') await new Response(new Request('http://127.0.0.1/', { headers: new Headers() }).body).text();

const path = probe === 'prm' ? '/.well-known/oauth-protected-resource/mcp' : '/mcp';
const method = probe === 'prm' ? 'GET' : 'POST';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'cold-probe', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const body =
  probe === 'prm'
    ? undefined
    : probe === 'call'
      ? JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'cold' }, _meta: META },
        })
      : JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } });
const headers: Record<string, string> =
  probe === 'call'
    ? {
        host: '127.0.0.1:3000',
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
        authorization: `Bearer ${process.env.BENCH_TOKEN ?? ''}`,
      }
    : {
        host: '127.0.0.1:3000',
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-protocol-version': '2025-06-18',
      };

function functionUrlEvent() {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { ...headers, 'x-forwarded-proto': 'http', 'x-forwarded-for': '127.0.0.1' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: '127.0.0.1:3000',
      domainPrefix: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'cold-probe' },
      requestId: 'cold-probe',
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

const lambdaContext = {
  awsRequestId: 'cold-probe',
  functionName: 'probe',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: false,
};

async function invokeLambda(handler: (e: unknown, s: unknown, c: unknown) => Promise<unknown>): Promise<number> {
  let status = 0;
  const stream = new RuntimeResponseStream(
    createPreludeParser(
      (p) => (status = p.statusCode),
      () => {},
    ),
  );
  const done = new Promise((r) => stream.once('finish', r));
  await handler(functionUrlEvent(), stream, lambdaContext);
  if (!stream.writableEnded) stream.end();
  await done;
  return status;
}

async function invokeFetch(handler: (r: Request) => Promise<Response>): Promise<number> {
  const res = await handler(new Request(`http://127.0.0.1:3000${path}`, { method, headers, body: body ?? null }));
  await res.arrayBuffer();
  return res.status;
}

const t0 = performance.now();
const mod = (await import(pathToFileURL(file).href)) as { handler: never };
const t1 = performance.now();
const status = kind === 'lambda' ? await invokeLambda(mod.handler) : await invokeFetch(mod.handler);
const t2 = performance.now();
const rssMb = process.memoryUsage.rss() / 2 ** 20;
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, firstResponseMs: t2 - t0, status, rssMb })}\n`);
