// Reference servers for the warm benchmark, each run as its own process on 127.0.0.1:0:
//
//   node bench/reference/servers.ts sdk   the official SDK's stateless Streamable HTTP server (sdk-app.ts)
//   node bench/reference/servers.ts raw   a raw node:http JSON-RPC reply: the ceiling
//
// Prints `listening <port>` on stdout once bound. No auth on either: the SDK reference is the SDK alone.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveFetch } from './node-adapter.ts';
import { createReferenceHandler } from './sdk-app.ts';

/** What the raw ceiling answers: a fixed tools/call result for id 1, the size of ours. */
export const RAW_REPLY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'hello bench' }] },
});

function rawListener(): http.RequestListener {
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(RAW_REPLY) });
      res.end(RAW_REPLY);
    });
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kind = process.argv[2];
  if (kind !== 'sdk' && kind !== 'raw') throw new Error('usage: servers.ts sdk|raw');
  const server = http.createServer(kind === 'sdk' ? serveFetch(createReferenceHandler()) : rawListener());
  server.keepAliveTimeout = 5_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
