import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certCovers, DEFAULT_CERT_HOSTS, ensureDevCerts, subjectAltNames } from '../../../local/certs.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir() {
  const d = await mkdtemp(path.join(tmpdir(), 'certs-test-'));
  dirs.push(d);
  return d;
}

describe.each(['openssl', 'selfsigned'] as const)('ensureDevCerts via %s', (via) => {
  it('makes a CA and a server certificate it signed, for the front-door hosts, with private keys 0600', async () => {
    const dir = await tempDir();
    const made = await ensureDevCerts({ dir, via });
    expect(made).toMatchObject({ created: true, via });
    const ca = new X509Certificate(await readFile(made.caFile));
    const leaf = new X509Certificate(await readFile(made.certFile));
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    for (const h of ['mcp.localhost', 'auth.localhost', 'localhost']) expect(leaf.checkHost(h)).toBe(h);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('evil.example')).toBeUndefined();
    expect((await stat(made.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'ca.key'))).mode & 0o777).toBe(0o600);
    // the key matches the certificate
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const pub = createPublicKey(createPrivateKey(await readFile(made.keyFile))).export({ format: 'jwk' });
    expect(leaf.publicKey.export({ format: 'jwk' })).toEqual(pub);
  });

  it('reuses valid files, and remakes them when a host is missing', async () => {
    const dir = await tempDir();
    const first = await ensureDevCerts({ dir, via, hosts: ['mcp.localhost'] });
    const before = await readFile(first.certFile, 'utf8');
    expect((await ensureDevCerts({ dir, via, hosts: ['mcp.localhost'] })).created).toBe(false);
    const wider = await ensureDevCerts({ dir, via, hosts: ['mcp.localhost', 'auth.localhost'] });
    expect(wider.created).toBe(true);
    expect(await readFile(wider.certFile, 'utf8')).not.toBe(before);
  });
});

describe('certificate predicates', () => {
  it('subjectAltNames tells IPs from names', () => {
    expect(subjectAltNames(['a.localhost', '127.0.0.1', '::1'])).toBe('DNS:a.localhost,IP:127.0.0.1,IP:::1');
  });

  it('certCovers refuses garbage, missing hosts and certificates that expire too soon', async () => {
    const dir = await tempDir();
    const { certFile } = await ensureDevCerts({ dir, via: 'selfsigned' });
    const pem = await readFile(certFile, 'utf8');
    expect(certCovers(pem, DEFAULT_CERT_HOSTS, new Date())).toBe(true);
    expect(certCovers(pem, [...DEFAULT_CERT_HOSTS, 'other.example'], new Date())).toBe(false);
    expect(certCovers(pem, DEFAULT_CERT_HOSTS, new Date(Date.now() + 400 * 86_400_000))).toBe(false);
    expect(certCovers('not a certificate', ['localhost'], new Date())).toBe(false);
  });
});
