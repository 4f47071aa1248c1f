// Measures, in isolation, two costs the MCP SDK (v2) pays on every request whatever the server does,
// for docs/sdk-upstream.md: the SdkError that Protocol._onclose builds even when nothing is pending, and
// the zod safeParse attempts that fail while a request body is classified (isJSONRPCResultResponse and
// isJSONRPCErrorResponse on a request). CPU µs per operation, process.cpuUsage over N operations.
//
//   node bench/sdk-waste.ts            prints one JSON line
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  SdkError,
  SdkErrorCode,
} from '@modelcontextprotocol/server';

const N = Number(process.env.BENCH_N ?? 20_000);
const request = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: 'hello' },
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
  },
};

function perOp(fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / N;
}

const result = {
  sdkErrorUs: perOp(() => new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed')),
  plainErrorNoStackUs: perOp(() => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const e = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    Error.stackTraceLimit = limit;
    return e;
  }),
  failingResponseChecksUs: perOp(() => isJSONRPCResultResponse(request) || isJSONRPCErrorResponse(request)),
  passingRequestCheckUs: perOp(() => isJSONRPCRequest(request)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
