// A test authorization server on loopback: discovery + JWKS from a real HTTP server, tokens signed by a
// key the test makes. Stands in for Keycloak where a suite tests our resource server, not the AS.
// startIdpIssuer does the same in another IdP's documented token layout (Cognito, Entra, Okta, Auth0).
import { type JWTPayload, SignJWT } from 'jose';
import { authorizationServerMetadataUrls } from '../../lib/auth/discovery.ts';
import { jwksOf, type KeyServer, makeKey, sign, startKeyServer, type TestKey } from '../integration/auth/key-server.ts';
import { accessClaims, type IdpLayout, idClaims, issuerPath, jwksPath, type LayoutOptions } from './idp-layouts.ts';

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  server: KeyServer;
  key: TestKey;
  /** An access token for `audience` with the given subject and scopes. */
  token(opts: {
    audience: string;
    sub?: string;
    scope?: string;
    clientId?: string;
    ttlSec?: number;
    /** More claims (e.g. tenant, groups for Cedar policies). */
    claims?: Record<string, unknown>;
  }): Promise<string>;
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
    async token({ audience, sub = 'dev-user', scope = 'mcp:tools', clientId = 'test-client', ttlSec = 300, claims }) {
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
        ...claims,
      });
    },
    stop: () => server.stop(),
  };
}

/** A local issuer in one IdP's layout (idp-layouts.ts): its issuer path, discovery, JWKS and token claims. */
export interface IdpIssuer {
  layout: IdpLayout;
  /** The issuer exactly as the IdP writes `iss` (Auth0: with the trailing slash). */
  issuer: string;
  jwksUrl: string;
  server: KeyServer;
  key: TestKey;
  /** An access token in the IdP's layout; `kind: 'id'` gives its ID token; `claims` adds or overrides claims. */
  token(
    opts?: Partial<LayoutOptions> & { kind?: 'access' | 'id'; claims?: JWTPayload; header?: object },
  ): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a loopback issuer that mints tokens in `layout`'s documented claim layout, with discovery at the
 * path clients and our start-up check try for that issuer. `defaults` fills the token options.
 */
export async function startIdpIssuer(layout: IdpLayout, defaults: Partial<LayoutOptions> = {}): Promise<IdpIssuer> {
  const server = await startKeyServer();
  const key = await makeKey('RS256', `${layout}-key-1`);
  const path = issuerPath(layout);
  const issuer = `${server.origin}${path}`;
  const jwksUrl = `${server.origin}${jwksPath(layout)}`;
  server.serve(jwksPath(layout), jwksOf(key));
  const metadata = {
    issuer,
    jwks_uri: jwksUrl,
    authorization_endpoint: `${issuer.replace(/\/$/, '')}/authorize`,
    token_endpoint: `${issuer.replace(/\/$/, '')}/token`,
    code_challenge_methods_supported: ['S256'],
  };
  for (const url of authorizationServerMetadataUrls(issuer)) server.serve(new URL(url).pathname, metadata);
  return {
    layout,
    issuer,
    jwksUrl,
    server,
    key,
    token({ kind = 'access', claims = {}, header = {}, ...opts } = {}) {
      const o: LayoutOptions = {
        scope: 'mcp:tools',
        audience: 'https://mcp.example.com/mcp',
        clientId: 'mcp-client',
        sub: 'dev-user',
        ttlSec: 300,
        ...defaults,
        ...opts,
      };
      const made = kind === 'id' ? idClaims(layout, issuer, o) : accessClaims(layout, issuer, o);
      return new SignJWT({ ...made.claims, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, ...made.header, ...header })
        .sign(key.privateKey);
    },
    stop: () => server.stop(),
  };
}
