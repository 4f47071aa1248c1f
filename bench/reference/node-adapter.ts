// The smallest honest node:http <-> fetch bridge for the reference server: a web Request from the
// IncomingMessage (body buffered, like the Function URL host does) and the Response streamed back.
//
//   serveFetch(handler): http.RequestListener
import type http from 'node:http';

export function serveFetch(handler: (request: Request) => Promise<Response>): http.RequestListener {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headersDistinct)) for (const x of v ?? []) headers.append(k, x);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    for await (const chunk of response.body) res.write(chunk);
    res.end();
  };
}
