// Picks and starts the local authorization server for `npm start`.
//
//   startAuthServer({ publicMcpUrl, kind?, port?, scopes?, onProgress?, env? }) -> Promise<RunningAuthServer>
//     { issuer, kind: 'keycloak' | 'embedded', port, stop() }
//   chooseAuthServerKind(requested, javaFound) -> 'keycloak' | 'embedded'   (pure)
//
// kind defaults to env AS, else 'auto': Keycloak when a Java 21+ can be found, otherwise the embedded dev AS
// (oidc-provider), and it says which one and why through onProgress. With kind 'auto' a Keycloak that fails to
// start also falls back to the embedded AS; with kind 'keycloak' the failure is thrown.
// Both listen on 127.0.0.1:<AS_PORT or 8080> with the issuer http://127.0.0.1:<port>/realms/mcp, and offer the
// scopes the served tools declare (`scopes`; Keycloak through a realm generated from keycloak/base, local/realm.ts).

import { ConfigError } from '../lib/config.ts';
import { type DevScopes, defaultDevScopes, startDevAuthServer } from './dev-as.ts';
import { findJava } from './java.ts';
import { type Progress, startKeycloak } from './keycloak.ts';
import { explainListenError } from './ports.ts';
import { generateRealm, readBaseRealm, realmText } from './realm.ts';

export type AuthServerKind = 'keycloak' | 'embedded';
export type AuthServerChoice = AuthServerKind | 'auto';

export interface StartAuthServerOptions {
  publicMcpUrl: string;
  kind?: AuthServerChoice;
  /** Default AS_PORT or 8080. */
  port?: number;
  /** The scopes to offer and grant; default the committed catalogue's (demo tools on). */
  scopes?: DevScopes;
  onProgress?: Progress;
  env?: NodeJS.ProcessEnv;
}

export interface RunningAuthServer {
  issuer: string;
  kind: AuthServerKind;
  port: number;
  stop(): Promise<void>;
}

export function parseAuthServerChoice(raw: string | undefined): AuthServerChoice {
  const v = raw?.trim().toLowerCase();
  if (!v) return 'auto';
  if (v === 'keycloak' || v === 'embedded' || v === 'auto') return v;
  throw new ConfigError('AS', `must be keycloak, embedded or auto, got "${raw}"`);
}

export function chooseAuthServerKind(requested: AuthServerChoice, javaFound: boolean): AuthServerKind {
  if (requested !== 'auto') return requested;
  return javaFound ? 'keycloak' : 'embedded';
}

export async function startAuthServer(opts: StartAuthServerOptions): Promise<RunningAuthServer> {
  const env = opts.env ?? process.env;
  const say = opts.onProgress ?? (() => {});
  const port = opts.port ?? Number(env.AS_PORT || 8080);
  const requested = opts.kind ?? parseAuthServerChoice(env.AS);
  const java = requested === 'embedded' ? undefined : await findJava({ minMajor: 21, env });
  const kind = chooseAuthServerKind(requested, java !== undefined);
  const scopes = opts.scopes ?? defaultDevScopes();

  if (kind === 'keycloak') {
    try {
      const kc = await startKeycloak({
        publicMcpUrl: opts.publicMcpUrl,
        realm: realmText(generateRealm(readBaseRealm(), scopes.declared)),
        port,
        onProgress: say,
        env,
        ...(java ? { java } : {}),
      });
      return { issuer: kc.issuer, kind, port, stop: kc.stop };
    } catch (err) {
      if (requested === 'keycloak') throw err;
      say(
        `auth: Keycloak could not start (${(err as Error).message.split('\n')[0]}); using the embedded dev AS instead`,
      );
    }
  } else if (requested === 'auto') {
    say(
      'auth: no Java 21+ found, so using the embedded dev AS (oidc-provider); install a JDK 21+ or set AS=keycloak for Keycloak',
    );
  }
  const dev = await startDevAuthServer({ publicMcpUrl: opts.publicMcpUrl, port, scopes }).catch((err: unknown) => {
    throw explainListenError(err, { port, variable: 'AS_PORT', what: 'the embedded dev AS' });
  });
  say(`auth: embedded dev AS ready, issuer ${dev.issuer}`);
  return { issuer: dev.issuer, kind: 'embedded', port: dev.port, stop: dev.stop };
}
