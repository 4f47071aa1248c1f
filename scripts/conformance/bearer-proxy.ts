// A loopback front door for the authenticated conformance run: the suite cannot send a token, so this
// proxy adds `Authorization: Bearer <token>` to every request and forwards it unchanged otherwise (Host
// and Origin included, so the DNS-rebinding scenario still reaches our guards). Responses are piped
// through unbuffered so SSE streams stay live. The token is never logged.
//
//   startBearerProxy({ upstream, token }): Promise<BearerProxy>
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerProxy {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Sets where requests go; the proxy can listen before the upstream exists (its URL is the public one). */
  setUpstream(origin: string): void;
  close(): Promise<void>;
}

export async function startBearerProxy(opts: { upstream?: string; token: () => string }): Promise<BearerProxy> {
  let upstream = opts.upstream ? new URL(opts.upstream) : undefined;
  const server = http.createServer((req, res) => {
    if (!upstream) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream not ready');
      return;
    }
    const headers = { ...req.headers, authorization: `Bearer ${opts.token()}` };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.flushHeaders();
        up.pipe(res);
        up.once('error', () => res.destroy());
      },
    );
    out.once('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${err.message}`);
      else res.destroy();
    });
    // The client went away (e.g. cancelled an SSE stream): drop the upstream leg too.
    res.once('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    setUpstream(origin) {
      upstream = new URL(origin);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
