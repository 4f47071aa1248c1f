// A test authorization server on loopback: discovery + JWKS from a real HTTP server, tokens signed by a
// key the test makes. Stands in for Keycloak where a suite tests our resource server, not the AS.
import { jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from '../integration/auth/key-server.ts';

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  server: KeyServer;
  key: TestKey;
  /** An access token for `audience` with the given subject and scopes. */
  token(opts: { audience: string; sub?: string; scope?: string; clientId?: string; ttlSec?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const server = await startKeyServer();
  const key = await makeKey('RS256', 'test-key-1');
  const issuer = `${server.origin}/realms/mcp`;
  const jwksUrl = `${issuer}/protocol/openid-connect/certs`;
  server.serve(new URL(jwksUrl).pathname, jwksOf(key));
  server.serve('/realms/mcp/.well-known/openid-configuration', {
    issuer,
    jwks_uri: jwksUrl,
    authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
    token_endpoint: `${issuer}/protocol/openid-connect/token`,
    code_challenge_methods_supported: ['S256'],
  });
  return {
    issuer,
    jwksUrl,
    server,
    key,
    async token({ audience, sub = 'dev-user', scope = 'mcp:tools', clientId = 'test-client', ttlSec = 300 }) {
      const now = Math.floor(Date.now() / 1000);
      return sign(key, {
        iss: issuer,
        aud: audience,
        sub,
        scope,
        azp: clientId,
        client_id: clientId,
        iat: now,
        exp: now + ttlSec,
        jti: crypto.randomUUID(),
      });
    },
    stop: () => server.stop(),
  };
}
