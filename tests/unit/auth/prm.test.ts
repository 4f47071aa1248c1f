import { describe, expect, it } from 'vitest';
import { toolManifest } from '../../../generated/tool-manifest.ts';
import { createPrmApp } from '../../../lib/apps/prm.ts';
import { handlePrm, prmDocument, prmPaths } from '../../../lib/auth/prm.ts';
import { loadConfig } from '../../../lib/config.ts';
import { declaredScopes } from '../../../lib/tools/index.ts';
import { testContext } from '../../support/context.ts';

const env = { MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', AUTH_ISSUER: 'https://as.example.com/realms/mcp' };
// The scopes come from the tools' declarations (the demo tools' mcp:admin, and any in tools/), as in the PRM function.
const cfg = loadConfig(env, { tools: toolManifest });
const SCOPES = ['mcp:tools', ...declaredScopes({ tools: toolManifest }, true).map((s) => s.name)];
// The function sees its own host (Function URL, localhost); the document must not.
const HOST = 'https://abc123.lambda-url.us-east-1.on.aws';

describe('PRM handler (hostile first)', () => {
  it('ignores Host and X-Forwarded-* entirely', async () => {
    const res = handlePrm(
      new Request(`${HOST}/.well-known/oauth-protected-resource`, {
        headers: { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'http' },
      }),
      cfg,
    );
    const text = await res.text();
    expect(text).not.toContain('evil');
    expect(text).not.toContain('lambda-url');
    expect(JSON.parse(text).resource).toBe('https://mcp.example.com/mcp');
  });

  it('404 for other suffixes and near misses', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/other',
      '/.well-known/oauth-protected-resource/mcp/',
      '/.well-known/oauth-protected-resource/',
      '/.well-known/oauth-protected-resource/MCP',
      '/.well-known/oauth-protected-resourcex',
      '/mcp',
    ]) {
      const res = handlePrm(new Request(`${HOST}${path}`), cfg);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
    }
  });

  it('405 with Allow for other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = handlePrm(new Request(`${HOST}/.well-known/oauth-protected-resource`, { method }), cfg);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    }
  });

  it('preflight: echoes only a well-formed header list', () => {
    const bad = handlePrm(
      new Request(`${HOST}/.well-known/oauth-protected-resource`, {
        method: 'OPTIONS',
        headers: { 'access-control-request-headers': 'x\u00e9y' },
      }),
      cfg,
    );
    expect(bad.headers.get('access-control-allow-headers')).toBe('MCP-Protocol-Version, Content-Type');
  });
});

describe('PRM document', () => {
  it('serves both paths with the exact resource, CORS, Cache-Control and JSON', async () => {
    expect(prmPaths(cfg)).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]);
    for (const path of prmPaths(cfg)) {
      const res = handlePrm(new Request(`${HOST}${path}?x=1`), cfg);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await res.json()).toEqual({
        resource: 'https://mcp.example.com/mcp',
        authorization_servers: ['https://as.example.com/realms/mcp'],
        scopes_supported: SCOPES,
        bearer_methods_supported: ['header'],
        resource_name: 'mcp-lambda-stack',
      });
    }
  });

  it('the resource_metadata URL of the challenges points at the path-suffixed document', () => {
    expect(new URL(cfg.resourceMetadataUrl).pathname).toBe('/.well-known/oauth-protected-resource/mcp');
  });

  it('HEAD has the headers and no body; OPTIONS is a 204 preflight', async () => {
    const head = handlePrm(new Request(`${HOST}/.well-known/oauth-protected-resource/mcp`, { method: 'HEAD' }), cfg);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(JSON.stringify(prmDocument(cfg)).length));
    expect(await head.text()).toBe('');
    const pre = handlePrm(
      new Request(`${HOST}/.well-known/oauth-protected-resource/mcp`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:6274',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'mcp-protocol-version',
        },
      }),
      cfg,
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(pre.headers.get('access-control-allow-headers')).toBe('mcp-protocol-version');
  });

  it('resource_documentation when configured; a root public URL serves one path', async () => {
    const root = loadConfig({
      ...env,
      MCP_PUBLIC_URL: 'https://mcp.example.com/',
      RESOURCE_DOCUMENTATION: 'https://docs.example.com/',
    });
    expect(prmPaths(root)).toEqual(['/.well-known/oauth-protected-resource']);
    expect(prmDocument(root)).toMatchObject({
      resource: 'https://mcp.example.com/',
      resource_documentation: 'https://docs.example.com/',
    });
    const deep = loadConfig({ ...env, MCP_PUBLIC_URL: 'https://example.com/tenant/a/mcp' });
    expect(prmPaths(deep)[1]).toBe('/.well-known/oauth-protected-resource/tenant/a/mcp');
    expect(handlePrm(new Request(`${HOST}/.well-known/oauth-protected-resource/mcp`), deep).status).toBe(404);
  });

  it('the PRM app serves the document, and answers a malformed Host or X-Forwarded-Proto with 400', async () => {
    const app = createPrmApp(cfg);
    const url = `${HOST}/.well-known/oauth-protected-resource`;
    expect((await app(new Request(url), testContext())).status).toBe(200);
    const hostile: Array<Record<string, string>> = [
      { host: 'a b' },
      { host: 'a@127.0.0.1' },
      { 'x-forwarded-proto': 'a b' },
    ];
    for (const headers of hostile) {
      const res = await app(new Request(url, { headers }), testContext());
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: `The ${'host' in headers ? 'Host' : 'X-Forwarded-Proto'} header is malformed`,
      });
    }
    // What lib/http could not carry over from the event counts the same.
    const res = await app(new Request(url), testContext({ malformed: 'user-agent header' }));
    expect(res.status).toBe(400);
  });
});
