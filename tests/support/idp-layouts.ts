// The claim layouts of each identity provider's access and ID tokens, as their documentation shows them, so
// the local issuer (issuer.ts, startIdpIssuer) mints tokens shaped like the real ones. Pure: claims and
// headers only; signing and serving keys is issuer.ts's job.
//
// Sources (checked 2026-12 with the search tool):
// - Cognito access/ID tokens (no aud in access tokens; client_id, token_use, scope with the resource server
//   identifier as prefix; the ID token has aud = client id and token_use "id"; header kid+alg only):
//   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
// - Entra ID v2 access tokens (aud = the API's client id or App ID URI, iss https://login.microsoftonline.com/
//   <tid>/v2.0, azp, azpacr, scp space separated, roles list, ver "2.0", tid, oid; ID tokens have no azp/scp):
//   https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
//   https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
// - Okta custom authorization server access tokens (ver 1, jti "AT.…", iss https://<org>.okta.com/oauth2/<id>,
//   aud api://default, cid, uid, scp as a list, sub the login; ID tokens: aud = client id, amr, idp, at_hash):
//   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
// - Auth0 access tokens (iss https://<tenant>.auth0.com/ with the slash, aud [API identifier, …/userinfo], azp in
//   the default profile or client_id in the RFC 9068 one, scope string, RBAC `permissions` list):
//   https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
//   https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis
import type { JWTPayload } from 'jose';

export type IdpLayout = 'keycloak' | 'cognito' | 'entra' | 'okta' | 'auth0';

export interface LayoutOptions {
  /** The server's scopes (mcp:tools …), space separated; each layout writes them its own way. */
  scope: string;
  /** The audience `aud` names (ignored by cognito access tokens, which have none). */
  audience: string;
  clientId: string;
  sub: string;
  ttlSec: number;
  /** Cognito: the resource server identifier + '/' put before each of our scopes. */
  scopePrefix?: string;
  /** Entra: app roles; Auth0: RBAC permissions. */
  roles?: string[];
  permissions?: string[];
  /** Auth0: the RFC 9068 token profile (client_id, typ at+jwt) instead of the default one. */
  rfc9068?: boolean;
}

/** The issuer path each IdP uses (appended to the local origin). */
export function issuerPath(layout: IdpLayout): string {
  switch (layout) {
    case 'keycloak':
      return '/realms/mcp';
    case 'cognito':
      return '/us-east-1_LocalPool1';
    case 'entra':
      return '/7d1b9f1e-1c1d-4c55-9d3e-2a7e2f0c9b10/v2.0';
    case 'okta':
      return '/oauth2/default';
    case 'auth0':
      return '/'; // Auth0's iss ends with a slash
  }
}

/** The path where the IdP serves its JWKS, relative to the local origin. */
export function jwksPath(layout: IdpLayout): string {
  switch (layout) {
    case 'keycloak':
      return '/realms/mcp/protocol/openid-connect/certs';
    case 'cognito':
      return '/us-east-1_LocalPool1/.well-known/jwks.json';
    case 'entra':
      return '/7d1b9f1e-1c1d-4c55-9d3e-2a7e2f0c9b10/discovery/v2.0/keys';
    case 'okta':
      return '/oauth2/default/v1/keys';
    case 'auth0':
      return '/.well-known/jwks.json';
  }
}

const uuid = () => crypto.randomUUID();

/** Access-token claims and header in the IdP's layout. */
export function accessClaims(layout: IdpLayout, iss: string, o: LayoutOptions): { claims: JWTPayload; header: object } {
  const now = Math.floor(Date.now() / 1000);
  const times = { iat: now, exp: now + o.ttlSec };
  const scopes = o.scope.split(' ').filter(Boolean);
  switch (layout) {
    case 'keycloak':
      return {
        claims: {
          iss,
          aud: o.audience,
          sub: o.sub,
          typ: 'Bearer',
          azp: o.clientId,
          scope: o.scope,
          ...times,
          jti: uuid(),
        },
        header: { typ: 'at+jwt' },
      };
    case 'cognito':
      return {
        claims: {
          sub: o.sub,
          'cognito:groups': o.roles ?? [],
          iss,
          version: 2,
          client_id: o.clientId,
          origin_jti: uuid(),
          event_id: uuid(),
          token_use: 'access',
          scope: scopes.map((s) => `${o.scopePrefix ?? ''}${s}`).join(' '),
          auth_time: now,
          ...times,
          jti: uuid(),
          username: o.sub,
        },
        header: {},
      };
    case 'entra':
      return {
        claims: {
          aud: o.audience,
          iss,
          ...times,
          nbf: now,
          aio: 'opaque',
          azp: o.clientId,
          azpacr: '0',
          name: 'Dev User',
          oid: uuid(),
          preferred_username: 'dev@example.com',
          rh: 'opaque',
          ...(scopes.length ? { scp: o.scope } : {}),
          ...(o.roles ? { roles: o.roles } : {}),
          sub: o.sub,
          tid: iss.split('/').at(-2),
          uti: 'opaque',
          ver: '2.0',
        },
        header: { typ: 'JWT' },
      };
    case 'okta':
      return {
        claims: {
          ver: 1,
          jti: `AT.${uuid()}`,
          iss,
          aud: o.audience,
          ...times,
          cid: o.clientId,
          uid: '00u1a2b3c4',
          scp: scopes,
          auth_time: now,
          sub: o.sub,
        },
        header: {},
      };
    case 'auth0': {
      const userinfo = `${iss}userinfo`;
      const claims: JWTPayload = {
        iss,
        sub: o.sub,
        aud: [o.audience, userinfo],
        ...times,
        scope: `openid profile ${o.scope}`.trim(),
        ...(o.permissions ? { permissions: o.permissions } : {}),
      };
      if (o.rfc9068) Object.assign(claims, { client_id: o.clientId, jti: uuid() });
      else claims.azp = o.clientId;
      return { claims, header: { typ: o.rfc9068 ? 'at+jwt' : 'JWT' } };
    }
  }
}

/** ID-token claims in the IdP's layout (aud = the client id, the OIDC markers each IdP writes). */
export function idClaims(layout: IdpLayout, iss: string, o: LayoutOptions): { claims: JWTPayload; header: object } {
  const now = Math.floor(Date.now() / 1000);
  const times = { iat: now, exp: now + o.ttlSec };
  switch (layout) {
    case 'keycloak':
      return {
        claims: { iss, aud: o.clientId, sub: o.sub, typ: 'ID', azp: o.clientId, nonce: 'n', ...times },
        header: { typ: 'JWT' },
      };
    case 'cognito':
      return {
        claims: {
          sub: o.sub,
          aud: o.clientId,
          token_use: 'id',
          iss,
          'cognito:username': o.sub,
          auth_time: now,
          ...times,
          jti: uuid(),
          origin_jti: uuid(),
        },
        header: {},
      };
    case 'entra':
      return {
        claims: {
          aud: o.clientId,
          iss,
          ...times,
          nbf: now,
          nonce: 'n',
          oid: uuid(),
          sub: o.sub,
          tid: iss.split('/').at(-2),
          ver: '2.0',
          preferred_username: 'dev@example.com',
        },
        header: { typ: 'JWT' },
      };
    case 'okta':
      return {
        claims: {
          sub: '00u1a2b3c4',
          ver: 1,
          iss,
          aud: o.clientId,
          ...times,
          jti: `ID.${uuid()}`,
          amr: ['pwd'],
          idp: '00o1',
          auth_time: now,
          at_hash: 'h',
        },
        header: {},
      };
    case 'auth0':
      return {
        claims: { iss, sub: o.sub, aud: o.clientId, ...times, nonce: 'n', sid: uuid(), name: 'Dev User' },
        header: { typ: 'JWT' },
      };
  }
}
