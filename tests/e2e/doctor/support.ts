// Doctor e2e support: a test issuer with full RFC 8414 metadata, a free-port helper, and a tiny reverse
// proxy that can play the two faults doctor must name: buffering the whole response, and renaming
// WWW-Authenticate the way API Gateway REST does.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

/** The shared test issuer, plus the RFC 8414 document (DCR, CIMD, S256) at the first path clients try. */
export async function startDoctorIssuer(): Promise<TestIssuer & { asMetadataUrl: string }> {
  const issuer = await startTestIssuer();
  const path = new URL(issuer.issuer).pathname;
  const asMetadataUrl = `${issuer.server.origin}/.well-known/oauth-authorization-server${path}`;
  issuer.server.serve(new URL(asMetadataUrl).pathname, {
    issuer: issuer.issuer,
    jwks_uri: issuer.jwksUrl,
    authorization_endpoint: `${issuer.issuer}/protocol/openid-connect/auth`,
    token_endpoint: `${issuer.issuer}/protocol/openid-connect/token`,
    registration_endpoint: `${issuer.issuer}/clients-registrations/openid-connect`,
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
  });
  return { ...issuer, asMetadataUrl };
}

/** A port that was free a moment ago (for a host whose MCP_PUBLIC_URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * pass, buffer (collects the whole response), remap (WWW-Authenticate renamed as by API Gateway REST), slash (the
 * PRM's `resource` gains a trailing slash: a server whose MCP_PUBLIC_URL differs from what clients use, which
 * npm start itself now refuses to start with).
 */
export type ProxyMode = 'pass' | 'buffer' | 'remap' | 'slash';

export interface TestProxy {
  origin: string;
  port: number;
  /** Where requests go; set once the upstream is up. */
  upstream: string;
  mode: ProxyMode;
  stop(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade']);

async function body(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return parts.length ? new Uint8Array(Buffer.concat(parts)) : undefined;
}

export async function startProxy(mode: ProxyMode = 'pass'): Promise<TestProxy> {
  const proxy: TestProxy = { origin: '', port: 0, upstream: '', mode, stop: async () => {} };
  const server: Server = createServer(async (req, res) => {
    try {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (!HOP.has(k) && typeof v === 'string') headers.set(k, v);
      }
      const method = req.method ?? 'GET';
      const upstream = await fetch(new URL(req.url ?? '/', proxy.upstream), {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : await body(req),
        redirect: 'manual',
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (HOP.has(k)) return;
        // API Gateway REST moves the challenge to this name, so clients never see it.
        if (proxy.mode === 'remap' && k === 'www-authenticate') out['x-amzn-Remapped-WWW-Authenticate'] = v;
        else out[k] = v;
      });
      if (proxy.mode === 'slash' && (req.url ?? '').startsWith('/.well-known/oauth-protected-resource')) {
        const doc = (await upstream.json()) as { resource: string };
        const all = Buffer.from(JSON.stringify({ ...doc, resource: `${doc.resource}/` }));
        res.writeHead(upstream.status, { ...out, 'content-length': String(all.byteLength) }).end(all);
        return;
      }
      if (proxy.mode === 'buffer') {
        // Collect everything, then send it: what a buffering proxy or CDN does to a stream.
        const all = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(upstream.status, { ...out, 'content-length': String(all.byteLength) }).end(all);
        return;
      }
      res.writeHead(upstream.status, out);
      res.flushHeaders();
      if (upstream.body) for await (const chunk of upstream.body) res.write(chunk);
      res.end();
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.origin = `http://127.0.0.1:${proxy.port}`;
  proxy.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return proxy;
}
