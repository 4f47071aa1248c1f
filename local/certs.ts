// Dev TLS certificates for the local Traefik front door.
//
//   ensureDevCerts(options?) -> Promise<DevCerts>
//
// Makes a small dev CA and one server certificate signed by it, for the hosts Traefik serves
// (mcp.localhost, auth.localhost, localhost, *.localhost, 127.0.0.1, ::1). Clients trust the CA
// (`NODE_EXTRA_CA_CERTS=.cache/certs/ca.crt`, `curl --cacert`), never the leaf. It uses the
// openssl CLI when present, else the `selfsigned` npm package. Files go to a gitignored cache
// directory (default `.cache/certs` under the repo); private keys are written 0600 and must never
// be committed. Existing files are reused while they cover the hosts and stay valid for a week.

import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DEFAULT_CERT_HOSTS = ['mcp.localhost', 'auth.localhost', 'localhost', '*.localhost', '127.0.0.1', '::1'];

export const DEFAULT_CERT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'certs');

export interface DevCertOptions {
  /** Where to write (and look for) the files. Default: `<repo>/.cache/certs`. */
  dir?: string;
  /** DNS names and IP addresses the server certificate must cover. */
  hosts?: string[];
  /** Force a tool: `openssl` or `selfsigned`. Default: openssl when it runs, else selfsigned. */
  via?: 'openssl' | 'selfsigned';
  /** Make new files even when usable ones exist. */
  force?: boolean;
}

export interface DevCerts {
  /** The dev CA certificate that clients should trust. */
  caFile: string;
  /** The server certificate (leaf) that Traefik serves. */
  certFile: string;
  /** The server's private key. Secret: never commit, never log. */
  keyFile: string;
  /** True when this call made the files; false when it reused them. */
  created: boolean;
  via: 'openssl' | 'selfsigned' | 'existing';
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** True when `name` is an IPv4 or IPv6 literal. */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

/** The subjectAltName string openssl expects: `DNS:a,DNS:b,IP:127.0.0.1`. */
export function subjectAltNames(hosts: string[]): string {
  return hosts.map((h) => (isIpLiteral(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** Pure check: does this PEM certificate cover every host and stay valid until `until`? */
export function certCovers(pem: string, hosts: string[], until: Date): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return false;
  }
  if (new Date(cert.validTo).getTime() < until.getTime()) return false;
  const names = (cert.subjectAltName ?? '').split(/,\s*/).map((s) => s.replace(/^IP Address:/, 'IP:'));
  return hosts.every((h) => names.includes(isIpLiteral(h) ? `IP:${ipText(h)}` : `DNS:${h}`));
}

// node prints IPv6 SANs in full form (0:0:0:0:0:0:0:1); normalise `::1` the same way.
function ipText(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : ip.split(':');
  return groups.map((g) => g.replace(/^0+(?=.)/, '').toUpperCase()).join(':');
}

async function hasOpenssl(): Promise<boolean> {
  try {
    await run('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

async function withOpenssl(dir: string, hosts: string[]): Promise<void> {
  const caKey = path.join(dir, 'ca.key');
  const caCrt = path.join(dir, 'ca.crt');
  const key = path.join(dir, 'tls.key');
  const crt = path.join(dir, 'tls.crt');
  const work = path.join(tmpdir(), `mcp-certs-${process.pid}-${Date.now()}`);
  await mkdir(work, { recursive: true });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      caKey,
      '-out',
      caCrt,
      '-days',
      '825',
      '-sha256',
      '-subj',
      '/O=mcp-lambda-stack/CN=mcp-lambda-stack dev CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const csr = path.join(work, 'tls.csr');
    await run('openssl', ['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${hosts[0]}`]);
    const ext = path.join(work, 'ext.cnf');
    await writeFile(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${subjectAltNames(hosts)}`,
        '',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caCrt,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${randomSerial()}`,
      '-days',
      '365',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      crt,
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function randomSerial(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .replace(/^[89a-f]/, '7');
}

async function withSelfsigned(dir: string, hosts: string[]): Promise<void> {
  const { generate } = await import('selfsigned');
  const now = new Date();
  const days = (n: number) => new Date(now.getTime() + n * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'mcp-lambda-stack dev CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(825),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(365),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((h) => (isIpLiteral(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
      },
    ],
  });
  await writeFile(path.join(dir, 'ca.key'), ca.private, { mode: 0o600 });
  await writeFile(path.join(dir, 'ca.crt'), ca.cert);
  await writeFile(path.join(dir, 'tls.key'), leaf.private, { mode: 0o600 });
  await writeFile(path.join(dir, 'tls.crt'), leaf.cert);
}

/** Make (or reuse) the dev CA and server certificate. */
export async function ensureDevCerts(options: DevCertOptions = {}): Promise<DevCerts> {
  const dir = path.resolve(options.dir ?? DEFAULT_CERT_DIR);
  const hosts = options.hosts ?? DEFAULT_CERT_HOSTS;
  const caFile = path.join(dir, 'ca.crt');
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  if (!options.force) {
    const existing = await Promise.all([caFile, certFile, keyFile].map((f) => readFile(f, 'utf8').catch(() => '')));
    const [ca = '', leaf = ''] = existing;
    if (existing.every(Boolean) && certCovers(leaf, hosts, new Date(Date.now() + WEEK_MS)) && isIssuedBy(leaf, ca)) {
      return { caFile, certFile, keyFile, created: false, via: 'existing' };
    }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const via = options.via ?? ((await hasOpenssl()) ? 'openssl' : 'selfsigned');
  if (via === 'openssl') await withOpenssl(dir, hosts);
  else await withSelfsigned(dir, hosts);
  await Promise.all([chmod(keyFile, 0o600), chmod(path.join(dir, 'ca.key'), 0o600)]);
  return { caFile, certFile, keyFile, created: true, via };
}

function isIssuedBy(leafPem: string, caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    return new X509Certificate(leafPem).verify(ca.publicKey);
  } catch {
    return false;
  }
}
