// Client ID Metadata Documents at the façade: the client_id is the URL of its metadata document. Hostile first:
// SSRF (private and loopback addresses, http), a document naming another client_id, too large, too slow, a redirect.
// The documents are served by a real loopback server; with FACADE_CIMD_ALLOW_PRIVATE=true (the dev flag) the façade
// may fetch them, without it the same URLs are refused before any fetch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkcePair } from '../../../local/oauth-login.ts';
import { authorizeUrl, codeParams, type Facade, login, REDIRECT, startFacade, token } from './harness.ts';

let docs: Server;
let docsOrigin: string;
let fetched: string[] = [];
let dev: Facade;
let strict: Facade;

const doc = (clientId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    client_id: clientId,
    client_name: 'CIMD test client',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

beforeAll(async () => {
  docs = createServer((req, res) => {
    fetched.push(req.url ?? '');
    const self = `${docsOrigin}${req.url}`;
    const json = (body: string) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    switch (req.url) {
      case '/good.json':
        return json(doc(self));
      case '/other-id.json':
        return json(doc(`${docsOrigin}/good.json`));
      case '/large.json':
        return json(doc(self, { padding: 'x'.repeat(20_000) }));
      case '/large-chunked.json': {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 20; i++) res.write('x'.repeat(1024));
        return res.end();
      }
      case '/slow.json':
        return void setTimeout(() => json(doc(self)), 8_000).unref();
      case '/redirect.json':
        res.writeHead(302, { location: '/good.json' });
        return res.end();
      case '/confidential.json':
        return json(doc(self, { token_endpoint_auth_method: 'client_secret_basic' }));
      case '/bad-redirect-uri.json':
        return json(doc(self, { redirect_uris: ['http://evil.example/cb'] }));
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
  docsOrigin = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
  dev = await startFacade({ FACADE_CIMD_ALLOW_PRIVATE: 'true' });
  // Without the dev flag; its resolver says cimd.example is at a private address (a DNS answer aimed at the VPC).
  strict = await startFacade({}, { lookup: async (host) => (host === 'cimd.example' ? ['10.0.0.7'] : ['127.0.0.1']) });
});
afterAll(async () => {
  docs.closeAllConnections();
  docs.close();
  await dev?.stop();
  await strict?.stop();
});

async function authorize(f: Facade, clientId: string): Promise<Response> {
  return fetch(authorizeUrl(f, clientId, pkcePair().challenge), { redirect: 'manual' });
}

async function refused(f: Facade, clientId: string, reason: RegExp): Promise<void> {
  const res = await authorize(f, clientId);
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(await res.text()).toMatch(reason);
}

describe('CIMD: SSRF guards without the dev flag', () => {
  it('refuses an http client_id URL, a loopback and a private address, before fetching anything', async () => {
    fetched = [];
    await refused(strict, `${docsOrigin}/good.json`, /not registered/); // http: not a CIMD URL, unknown client
    await refused(strict, 'https://127.0.0.1/client.json', /not a public address/);
    await refused(strict, 'https://[::1]/client.json', /not a public address/);
    await refused(strict, 'https://169.254.169.254/latest/meta-data', /not a public address/);
    await refused(strict, 'https://cimd.example/client.json', /not a public address/);
    expect(fetched).toEqual([]);
  });

  it('refuses client_id URLs with a fragment, credentials or no path', async () => {
    await refused(strict, 'https://client.example/c.json#x', /fragment/);
    await refused(strict, 'https://u:p@client.example/c.json', /credentials/);
    await refused(strict, 'https://client.example/', /path/);
  });
});

describe('CIMD: the document itself', () => {
  it('a document naming another client_id is refused', async () => {
    await refused(dev, `${docsOrigin}/other-id.json`, /another client_id/);
  });
  it('a document over the size bound is refused (declared and chunked)', async () => {
    await refused(dev, `${docsOrigin}/large.json`, /too large/);
    await refused(dev, `${docsOrigin}/large-chunked.json`, /too large/);
  });
  it('a document that does not come within the time bound is refused', async () => {
    await refused(dev, `${docsOrigin}/slow.json`, /in time/);
  });
  it('a redirect is not followed', async () => {
    fetched = [];
    await refused(dev, `${docsOrigin}/redirect.json`, /could not be fetched/);
    expect(fetched).toEqual(['/redirect.json']);
  });
  it('a document whose redirect URIs break the rules is refused; a 404 too', async () => {
    await refused(dev, `${docsOrigin}/bad-redirect-uri.json`, /redirect URI/);
    await refused(dev, `${docsOrigin}/missing.json`, /answered 404/);
    await refused(dev, `${docsOrigin}/confidential.json`, /public client/);
  });
  it('a good document: consent page names the client; the redirect URI must be one the document lists', async () => {
    const clientId = `${docsOrigin}/good.json`;
    const res = await authorize(dev, clientId);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('CIMD test client');
    const wrong = await fetch(
      authorizeUrl(dev, clientId, pkcePair().challenge, { redirect_uri: 'http://127.0.0.1:9999/elsewhere' }),
      { redirect: 'manual' },
    );
    expect(wrong.status).toBe(400);
    await wrong.body?.cancel();
  });
  it('a good document: the whole flow gives a token whose client_id is the document URL', async () => {
    const clientId = `${docsOrigin}/good.json`;
    const { back, verifier } = await login(dev, clientId);
    const res = await token(dev, codeParams(clientId, back.get('code')!, verifier));
    expect(res.status).toBe(200);
    const at = String(((await res.json()) as { access_token: string }).access_token);
    const payload = JSON.parse(Buffer.from(at.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload.client_id).toBe(clientId);
  });
});
