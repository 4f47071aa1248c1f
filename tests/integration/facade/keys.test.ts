// The façade's signing key: from a JWK or PEM (dev), and from a Secrets Manager secret read with the AWS SDK v3.
// Only AWS itself is mocked: a loopback HTTP server speaks the Secrets Manager JSON protocol (GetSecretValue) and
// the real SDK client talks to it through AWS_ENDPOINT_URL_SECRETS_MANAGER.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.ts';
import { FacadeKeyError, loadFacadeConfig, loadFacadeKeys, parseSigningKey } from '../../../lib/facade/index.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mcp-facade-AbCdEf';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

describe('parseSigningKey', () => {
  it('an EC P-256 JWK signs ES256 under its own kid; the public JWK has no private part', async () => {
    const k = await parseSigningKey(JSON.stringify({ ...ec.export({ format: 'jwk' }), kid: 'k-1' }));
    expect(k.alg).toBe('ES256');
    expect(k.kid).toBe('k-1');
    expect(k.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k-1', alg: 'ES256', use: 'sig' });
    expect(k.publicJwk.d).toBeUndefined();
  });
  it('an RSA PKCS#8 PEM signs RS256 under its RFC 7638 thumbprint', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const k = await parseSigningKey(rsa.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(k.alg).toBe('RS256');
    expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(k.publicJwk.d).toBeUndefined();
  });
  it('refuses weak or unusable keys without echoing the material', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    await expect(parseSigningKey(small.toString())).rejects.toBeInstanceOf(FacadeKeyError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    await expect(parseSigningKey(JSON.stringify(p384))).rejects.toBeInstanceOf(FacadeKeyError);
    const err = await parseSigningKey('{"kty":"EC","d":"secret-material"}').catch((e: Error) => e);
    expect(err).toBeInstanceOf(FacadeKeyError);
    expect((err as Error).message).not.toContain('secret-material');
  });
});

describe('loadFacadeKeys from Secrets Manager (AWS mocked by a loopback server)', () => {
  let server: Server;
  let secret: string;
  const calls: Array<{ target: string; secretId: string; signed: boolean }> = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      const input = JSON.parse(body) as { SecretId: string };
      calls.push({
        target: String(req.headers['x-amz-target']),
        secretId: input.SecretId,
        signed: String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256'),
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ ARN, Name: 'mcp-facade', SecretString: secret, VersionId: 'v1' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(() => {
    process.env = saved;
    server.close();
  });

  const facadeCfg = () => {
    const env = {
      MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
      AUTH_ISSUER: 'https://mcp.example.com',
      FACADE_UPSTREAM_ISSUER: 'https://idp.example.com',
      FACADE_UPSTREAM_CLIENT_ID: 'facade',
      FACADE_SECRET_ARN: ARN,
    };
    return loadFacadeConfig(env, loadConfig(env));
  };

  it('reads the signing key and the upstream client secret with one signed GetSecretValue', async () => {
    secret = JSON.stringify({
      signingKey: { ...ec.export({ format: 'jwk' }), kid: 'from-secret' },
      upstreamClientSecret: 's3',
    });
    const keys = await loadFacadeKeys(facadeCfg());
    expect(keys.kid).toBe('from-secret');
    expect(keys.alg).toBe('ES256');
    expect(keys.upstreamClientSecret).toBe('s3');
    expect(calls).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: ARN, signed: true }]);
    expect(keys.previousPublicJwks).toEqual([]);
  });

  it('a previousSigningKey (rotation) is published beside the new key, public half only', async () => {
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    secret = JSON.stringify({
      signingKey: { ...ec.export({ format: 'jwk' }), kid: 'new' },
      previousSigningKey: { ...old, kid: 'old' },
    });
    const keys = await loadFacadeKeys(facadeCfg());
    expect(keys.kid).toBe('new');
    expect(keys.previousPublicJwks.map((k) => k.kid)).toEqual(['old']);
    expect(keys.previousPublicJwks[0]!.d).toBeUndefined();
  });

  it('a secret without signingKey, or not JSON, stops with FacadeKeyError', async () => {
    secret = JSON.stringify({ upstreamClientSecret: 's3' });
    await expect(loadFacadeKeys(facadeCfg())).rejects.toBeInstanceOf(FacadeKeyError);
    secret = 'not json';
    await expect(loadFacadeKeys(facadeCfg())).rejects.toBeInstanceOf(FacadeKeyError);
  });
});
