// RFC 8414 authorization server metadata, served at both paths MCP clients try for an issuer without a path
// (/.well-known/oauth-authorization-server, then /.well-known/openid-configuration).
import type { FacadeConfig } from './config.ts';
import { endpoints } from './context.ts';

/** The metadata document. Pure. */
export function metadataDocument(cfg: FacadeConfig): Record<string, unknown> {
  const e = endpoints(cfg.issuer);
  return {
    issuer: cfg.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    registration_endpoint: e.registration,
    jwks_uri: e.jwks,
    scopes_supported: cfg.scopesSupported,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: cfg.refreshTtlSec > 0 ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    resource_indicators_supported: true,
  };
}
