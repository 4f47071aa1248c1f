// Serves a WebHandler (lib/web-handler.ts) on a real loopback socket: node:http request -> web Request -> app ->
// web Response -> socket. For suites that drive one app over HTTP without building bundles (the façade's hostile
// tests); the Lambda path itself (lib/http, the local host) is covered by the e2e suites.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebHandler } from '../../lib/web-handler.ts';

export interface WebServer {
  origin: string;
  port: number;
  /** Swaps the app (the port must be known before the app's config is). */
  setApp(app: WebHandler): void;
  close(): Promise<void>;
}

export async function startWebServer(app?: WebHandler, port = 0): Promise<WebServer> {
  let handler = app;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const method = req.method ?? 'GET';
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    try {
      if (!handler) throw new Error('no app yet');
      const response = await handler(request, {
        requestId: 'test',
        functionName: 'test',
        functionVersion: '$LATEST',
        sourceIp: '127.0.0.1',
        userAgent: undefined,
        signal: new AbortController().signal,
        deadline: Date.now() + 30_000,
        waitUntil: () => {},
      });
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((v, k) => {
        if (k !== 'set-cookie') out[k] = v;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) out['set-cookie'] = cookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(500);
      res.end(String((err as Error).name));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    setApp: (a) => {
      handler = a;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
