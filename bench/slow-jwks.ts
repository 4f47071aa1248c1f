// A JWKS that answers `delayMs` late: a local stand-in for an identity provider across the network (TLS and
// round trips), so the cold-start figures show what overlapping the JWKS fetch with init is worth. It
// forwards to the local test issuer's JWKS.
//
//   startSlowJwks(jwksUrl, delayMs): Promise<{ url, stop() }>
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function startSlowJwks(jwksUrl: string, delayMs: number): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer(async (_req, res) => {
    await sleep(delayMs);
    const upstream = await fetch(jwksUrl);
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${new URL(jwksUrl).pathname}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
