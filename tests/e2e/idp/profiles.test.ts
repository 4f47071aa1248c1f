// Each identity provider's token layout end to end (Entra v2, Okta, Auth0, Keycloak, Cognito's layout) through the real local host (the built bundles under the
// Function URL emulator, tests/support/host.ts) with AUTH_PROFILE set: a token in the IdP's documented layout
// (minted by the loopback issuer, tests/support/idp-layouts.ts cites the docs) calls a tool; a refused token
// (another audience or client, or an ID token) gets 401 with the WWW-Authenticate challenge. Cognito's own
// tokens, from moto, are cognito-moto.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import type { IdpLayout, LayoutOptions } from '../../support/idp-layouts.ts';
import { type IdpIssuer, startIdpIssuer } from '../../support/issuer.ts';
import { callTool, textOf } from './mcp-call.ts';

const ENTRA_API = '0c6f5a6e-8c1b-4a58-9b83-1f2d3c4b5a69';
const PREFIX = 'https://mcp.example.com/';

const CASES: Array<{
  layout: IdpLayout;
  env: Record<string, string>;
  good: Partial<LayoutOptions>;
  refused: Partial<LayoutOptions>;
}> = [
  {
    layout: 'entra',
    env: { AUTH_PROFILE: 'entra', AUTH_AUDIENCE: ENTRA_API },
    good: { audience: ENTRA_API, clientId: 'chatgpt-client-app' },
    refused: { audience: '00000003-0000-0000-c000-000000000000', clientId: 'chatgpt-client-app' },
  },
  {
    layout: 'okta',
    env: { AUTH_PROFILE: 'okta', AUTH_AUDIENCE: 'api://default' },
    good: { audience: 'api://default' },
    refused: { audience: 'api://other' },
  },
  {
    layout: 'auth0',
    env: { AUTH_PROFILE: 'auth0', AUTH_AUDIENCE: 'https://api.mcp.example.com' },
    good: { audience: 'https://api.mcp.example.com', permissions: ['mcp:tools'] },
    refused: { audience: 'https://other-api.example.com' },
  },
  {
    // The audience is the host's MCP URL, known once it runs (see `forHost`).
    layout: 'keycloak',
    env: { AUTH_PROFILE: 'keycloak' },
    good: {},
    refused: { audience: 'account' },
  },
  {
    layout: 'cognito',
    env: { AUTH_PROFILE: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'mcp-app-client', AUTH_SCOPE_PREFIX: PREFIX },
    good: { clientId: 'mcp-app-client', scopePrefix: PREFIX },
    refused: { clientId: 'other-app-client', scopePrefix: PREFIX },
  },
];

describe.each(CASES)('AUTH_PROFILE=$layout through the local host', ({ layout, env, good, refused }) => {
  let idp: IdpIssuer;
  let host: HostProcess;

  beforeAll(async () => {
    idp = await startIdpIssuer(layout);
    host = await startHostProcess({ AUTH_ISSUER: idp.issuer, ...env });
  });
  afterAll(async () => {
    await host?.stop();
    await idp?.stop();
  });

  const forHost = <T extends Partial<LayoutOptions>>(o: T): T =>
    layout === 'keycloak' ? { audience: host.mcpUrl, ...o } : o;

  it('a token in the IdP layout calls a tool; whoami reads the scopes where the IdP writes them', async () => {
    const token = await idp.token(forHost(good));
    const echo = await callTool(host.mcpUrl, token, 'echo', { text: `hello ${layout}` });
    expect(echo.status).toBe(200);
    expect(textOf(echo)).toContain(`hello ${layout}`);
    const who = await callTool(host.mcpUrl, token, 'whoami', {});
    expect(who.status).toBe(200);
    expect(JSON.parse(textOf(who))).toMatchObject({ subject: 'dev-user', scopes: ['mcp:tools'] });
  });

  it('a token for another audience or client, and the ID token, get 401 with the challenge', async () => {
    for (const token of [
      await idp.token(forHost(refused)),
      await idp.token(forHost({ ...good, kind: 'id' as const })),
    ]) {
      const a = await callTool(host.mcpUrl, token, 'echo', { text: 'x' });
      expect(a.status).toBe(401);
      expect(a.challenge).toMatch(/^Bearer /);
      expect(a.challenge).toContain('error="invalid_token"');
      expect(a.challenge).toContain(`resource_metadata="${host.origin}/.well-known/oauth-protected-resource/mcp"`);
      expect(a.text).not.toContain('hello');
    }
    // The host never logged a token (every line of its output).
    expect(host.stdout() + host.stderr()).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
  });
});
