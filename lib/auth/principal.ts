// Principal: what a verified access token says about its caller. It never holds the token itself.

export interface Principal {
  /** `sub`, or the client id for tokens without a subject (client credentials). */
  subject: string;
  /** `client_id`, else `azp`; '' when the token names no client. */
  clientId: string;
  scopes: string[];
  /** `exp` in seconds since the epoch (0 for the anonymous principal). */
  expiresAt: number;
  issuer: string;
  jti?: string;
  sid?: string;
}
