// `npm run token -- [--scope "mcp:tools mcp:admin"] [--user dev] [--password …] [--resource URL] [--issuer URL]`
// Prints ONLY an access token (stdout) for the dev user from whichever AS runs on the AS port; messages go to stderr.
//
// The issuer is --issuer, else AUTH_ISSUER, else http://127.0.0.1:<AS_PORT or 8080>/realms/mcp; it is discovered
// through its metadata. Keycloak (password grant advertised): the password grant with the confidential test client.
// Otherwise (the embedded dev AS): authorization code + PKCE S256 + resource, logging in through its HTML form.

import { parseArgs } from 'node:util';
import {
  type AuthServerMetadata,
  authorizationCodeLogin,
  discoverAuthServer,
  OAuthError,
  passwordGrant,
  type TokenResponse,
} from './oauth-login.ts';

export const TEST_CLIENT = { clientId: 'mcp-test', clientSecret: 'mcp-test-secret' };
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

export interface TokenOptions {
  issuer: string;
  scope: string;
  username: string;
  password: string;
  resource: string;
}

export async function fetchDevToken(opts: TokenOptions): Promise<TokenResponse> {
  let metadata: AuthServerMetadata;
  try {
    ({ metadata } = await discoverAuthServer(opts.issuer));
  } catch (err) {
    throw new Error(
      `No authorization server answers for ${opts.issuer}. Start the stack with \`npm start\` (or pass --issuer / set AS_PORT). ` +
        `Details: ${(err as Error).message}`,
    );
  }
  const common = {
    metadata,
    ...TEST_CLIENT,
    username: opts.username,
    password: opts.password,
    scope: opts.scope,
    resource: opts.resource,
  };
  if (metadata.grant_types_supported?.includes('password')) {
    try {
      return await passwordGrant(common);
    } catch (err) {
      // unauthorized_client: the AS has the grant but not for this client; the code flow below still works.
      if (!(err instanceof OAuthError) || err.error !== 'unauthorized_client') throw err;
    }
  }
  return authorizationCodeLogin({ ...common, redirectUri: LOOPBACK_REDIRECT });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string', default: 'mcp:tools mcp:admin' },
      user: { type: 'string', default: 'dev' },
      password: { type: 'string' },
      resource: { type: 'string' },
      issuer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(
      'usage: npm run token -- [--scope "mcp:tools mcp:admin"] [--user dev|viewer] [--password P] [--resource URL] [--issuer URL]\n',
    );
    return;
  }
  const env = process.env;
  const issuer = values.issuer ?? (env.AUTH_ISSUER?.trim() || `http://127.0.0.1:${env.AS_PORT || 8080}/realms/mcp`);
  const user = values.user ?? 'dev';
  const token = await fetchDevToken({
    issuer,
    scope: values.scope ?? 'mcp:tools mcp:admin',
    username: user,
    // The local realms use password = username (dev/dev, viewer/viewer).
    password: values.password ?? user,
    resource: values.resource ?? (env.MCP_PUBLIC_URL?.trim() || 'http://127.0.0.1:3000/mcp'),
  });
  process.stdout.write(`${token.access_token}\n`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`token: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
