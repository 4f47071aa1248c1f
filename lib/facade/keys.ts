// The façade's signing key and the upstream client secret. In dev they come from the environment
// (FACADE_SIGNING_KEY: a private JWK or a PKCS#8 PEM; FACADE_UPSTREAM_CLIENT_SECRET); in AWS from one Secrets
// Manager secret (FACADE_SECRET_ARN, JSON {"signingKey": <private JWK or PEM>, "upstreamClientSecret": "..."}),
// read once per instance with the AWS SDK v3. The key id is the JWK's `kid`, else its RFC 7638 thumbprint.
// Rotation: put the old key in `previousSigningKey` (FACADE_PREVIOUS_SIGNING_KEY in dev) for one access-token
// lifetime; the JWKS publishes it beside the new one, so tokens signed before the switch still verify.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { readSecretString } from '../secrets/index.ts';
import type { FacadeConfig } from './config.ts';

export interface FacadeKeys {
  alg: 'ES256' | 'RS256';
  kid: string;
  privateKey: KeyObject;
  /** The public half, as served at the JWKS endpoint. */
  publicJwk: JWK;
  /** Public halves of previous keys, still published while their tokens may be alive. */
  previousPublicJwks: JWK[];
  upstreamClientSecret: string | undefined;
}

/** Error with a code: the key material is missing or unusable (the function cannot start). */
export class FacadeKeyError extends Error {
  readonly code = 'facade_key_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'FacadeKeyError';
  }
}

/** Parses a private JWK (JSON) or PKCS#8 PEM into the signing key. Never puts key material in an error. */
export async function parseSigningKey(
  material: string,
): Promise<Omit<FacadeKeys, 'upstreamClientSecret' | 'previousPublicJwks'>> {
  let privateKey: KeyObject;
  let kid: string | undefined;
  try {
    if (material.startsWith('{')) {
      const jwk = JSON.parse(material) as JWK;
      kid = typeof jwk.kid === 'string' && jwk.kid ? jwk.kid : undefined;
      privateKey = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } else privateKey = createPrivateKey(material);
  } catch {
    throw new FacadeKeyError('the façade signing key is neither a private JWK nor a PKCS#8 PEM');
  }
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  let alg: FacadeKeys['alg'];
  if (type === 'ec' && curve === 'prime256v1') alg = 'ES256';
  else if (type === 'rsa' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) alg = 'RS256';
  else throw new FacadeKeyError('the façade signing key must be EC P-256 (ES256) or RSA >= 2048 bits (RS256)');
  const pub = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  kid ??= await calculateJwkThumbprint(pub);
  return { alg, kid, privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

/** Reads the secret's JSON from Secrets Manager (lib/secrets loads the AWS SDK only then). */
async function readSecret(arn: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const text = await readSecretString(arn, timeoutMs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object')
    throw new FacadeKeyError('the FACADE_SECRET_ARN secret is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** The keys from the environment (dev) or the secret (AWS). */
async function previous(material: string | undefined): Promise<JWK[]> {
  return material ? [(await parseSigningKey(material)).publicJwk] : [];
}

const materialOf = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : v && typeof v === 'object' ? JSON.stringify(v) : undefined;

export async function loadFacadeKeys(cfg: FacadeConfig): Promise<FacadeKeys> {
  if (cfg.signingKey) {
    return {
      ...(await parseSigningKey(cfg.signingKey)),
      previousPublicJwks: await previous(cfg.previousSigningKey),
      upstreamClientSecret: cfg.upstream.clientSecret,
    };
  }
  if (!cfg.secretArn) throw new FacadeKeyError('no FACADE_SIGNING_KEY and no FACADE_SECRET_ARN');
  const secret = await readSecret(cfg.secretArn, cfg.upstreamTimeoutMs);
  const key = Object.hasOwn(secret, 'signingKey') ? secret.signingKey : undefined;
  const material = materialOf(key);
  if (!material) throw new FacadeKeyError('the FACADE_SECRET_ARN secret has no signingKey');
  const old = materialOf(Object.hasOwn(secret, 'previousSigningKey') ? secret.previousSigningKey : undefined);
  const upstream = Object.hasOwn(secret, 'upstreamClientSecret') ? secret.upstreamClientSecret : undefined;
  return {
    ...(await parseSigningKey(material)),
    previousPublicJwks: await previous(old),
    upstreamClientSecret: typeof upstream === 'string' ? upstream : cfg.upstream.clientSecret,
  };
}
