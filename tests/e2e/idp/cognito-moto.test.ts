// Cognito end to end, with moto standing in for Amazon Cognito (AWS itself is the one thing we emulate): moto's
// server mode serves a user pool, a resource server (mcp:tools, mcp:admin), app clients, a user, the pool's
// JWKS at /<pool-id>/.well-known/jwks.json, and mints tokens for InitiateAuth USER_PASSWORD_AUTH. Driven with
// the AWS SDK v3 Cognito client pointed at moto. The local host (the built bundles) runs AUTH_PROFILE=cognito.
//
// What moto's tokens carry (moto 5.2.5, checked by decoding them; real Cognito documents the same layout at
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html):
// access token: iss https://cognito-idp.<region>.amazonaws.com/<pool-id>, sub, client_id, token_use "access",
// scope, username, jti, origin_jti, iat/auth_time/exp, and no aud; ID token: aud = client id, token_use "id".
// Where moto is not like Cognito (so the suite works around it, openly):
// - InitiateAuth gives only the scope aws.cognito.signin.user.admin, as Cognito does for API sign-in; resource
//   server scopes (https://mcp.example.com/mcp:tools) come only from the hosted /oauth2/token endpoint, which
//   moto does not serve. So this host requires that scope (AUTH_REQUIRED_SCOPES); the prefix rule is covered by
//   the loopback-issuer suites (profiles.test.ts here and tests/integration/auth/profiles.test.ts).
// - moto signs every pool's tokens with one key shipped in moto (kid "dummy") and writes typ "JWT" in the header.
// - iss names the real Cognito host, which is not reachable here: AUTH_JWKS_URL points at moto's JWKS, and the
//   start-up issuer check (which fetches the discovery documents from AUTH_ISSUER) runs degraded.
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { type MotoServer, pythonVenvAvailable, startMoto } from '../../support/moto.ts';
import { callTool, textOf } from './mcp-call.ts';

const REGION = 'us-east-1';
const PASSWORD = 'Dev-pass-1!';
const API_SCOPE = 'aws.cognito.signin.user.admin';

const decode = (t: string) =>
  JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe.skipIf(!pythonVenvAvailable())('Cognito (moto) with AUTH_PROFILE=cognito through the local host', () => {
  let moto: MotoServer;
  let host: HostProcess;
  let poolId: string;
  let issuer: string;
  let mcpClientId: string;
  let otherClientId: string;
  let cognito: CognitoIdentityProviderClient;

  async function signIn(clientId: string) {
    const r = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'dev', PASSWORD },
      }),
    );
    return { access: r.AuthenticationResult!.AccessToken!, id: r.AuthenticationResult!.IdToken! };
  }

  beforeAll(async () => {
    moto = await startMoto();
    cognito = new CognitoIdentityProviderClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
    });
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: 'mcp' }));
    poolId = pool.UserPool!.Id!;
    issuer = `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`;
    await cognito.send(
      new CreateResourceServerCommand({
        UserPoolId: poolId,
        Identifier: 'https://mcp.example.com',
        Name: 'mcp',
        Scopes: [
          { ScopeName: 'mcp:tools', ScopeDescription: 'Call tools' },
          { ScopeName: 'mcp:admin', ScopeDescription: 'Admin tools' },
        ],
      }),
    );
    const client = async (name: string) =>
      (
        await cognito.send(
          new CreateUserPoolClientCommand({
            UserPoolId: poolId,
            ClientName: name,
            ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
            AllowedOAuthFlows: ['code'],
            AllowedOAuthScopes: ['openid', 'https://mcp.example.com/mcp:tools'],
            AllowedOAuthFlowsUserPoolClient: true,
            CallbackURLs: ['https://chatgpt.com/connector_platform_oauth_redirect'],
          }),
        )
      ).UserPoolClient!.ClientId!;
    mcpClientId = await client('mcp-connector');
    otherClientId = await client('some-other-app');
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: 'dev',
        TemporaryPassword: PASSWORD,
        MessageAction: 'SUPPRESS',
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'dev', Password: PASSWORD, Permanent: true }),
    );
    host = await startHostProcess({
      AUTH_PROFILE: 'cognito',
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${moto.endpoint}/${poolId}/.well-known/jwks.json`,
      AUTH_ALLOWED_CLIENT_IDS: mcpClientId,
      AUTH_REQUIRED_SCOPES: API_SCOPE,
      START_DEGRADED: 'true',
    });
  });

  afterAll(async () => {
    cognito?.destroy();
    await host?.stop();
    await moto?.stop();
  });

  it("moto's access token has Cognito's layout: client_id, token_use access, no aud", async () => {
    const { access, id } = await signIn(mcpClientId);
    const claims = decode(access);
    expect(claims).toMatchObject({ iss: issuer, client_id: mcpClientId, token_use: 'access', scope: API_SCOPE });
    expect(claims.aud).toBeUndefined();
    expect(decode(id)).toMatchObject({ aud: mcpClientId, token_use: 'id' });
  });

  it('a user-pool access token from the allowed app client calls a tool', async () => {
    const { access } = await signIn(mcpClientId);
    const echo = await callTool(host.mcpUrl, access, 'echo', { text: 'hello cognito' });
    expect(echo.status).toBe(200);
    expect(textOf(echo)).toContain('hello cognito');
    const who = JSON.parse(textOf(await callTool(host.mcpUrl, access, 'whoami', {})));
    expect(who).toMatchObject({ clientId: mcpClientId, scopes: [API_SCOPE] });
  });

  it('the same user through another app client (wrong client_id) gets 401 with the challenge', async () => {
    const { access } = await signIn(otherClientId);
    const a = await callTool(host.mcpUrl, access, 'echo', { text: 'x' });
    expect(a.status).toBe(401);
    expect(a.challenge).toMatch(/^Bearer /);
    expect(a.challenge).toContain('error="invalid_token"');
    expect(a.challenge).toContain('resource_metadata="');
    expect(a.challenge).toContain(`scope="${API_SCOPE}"`);
  });

  it('the ID token (token_use id, aud = client id) gets 401 even from the allowed client', async () => {
    const { id } = await signIn(mcpClientId);
    const a = await callTool(host.mcpUrl, id, 'echo', { text: 'x' });
    expect(a.status).toBe(401);
    expect(a.challenge).toContain('error="invalid_token"');
  });
});
