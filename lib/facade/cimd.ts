// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client_id that is an https URL
// names its own metadata document. The fetch is bounded in size and time, follows no redirect, and refuses
// loopback/private/link-local addresses (SSRF) unless FACADE_CIMD_ALLOW_PRIVATE=true (dev).
// Limit: the address check resolves the name before fetch() resolves it again, so a DNS-rebinding name with a
// zero TTL could still slip through between the two lookups.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { type FacadeClient, validateClientMetadata } from './client.ts';
import type { FacadeContext } from './context.ts';
import { FacadeError } from './errors.ts';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local, CGNAT, multicast or otherwise not public. Pure. */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return blocked.check(ip, 'ipv4');
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(ip, 'ipv6');
  }
  return true;
}

/** Whether a client_id is a CIMD URL (an https URL; http only with the dev flag). Pure. */
export function isCimdClientId(clientId: string, allowHttp: boolean): boolean {
  return clientId.startsWith('https://') || (allowHttp && clientId.startsWith('http://'));
}

/** Why a CIMD client_id URL is unacceptable before any fetch, or undefined. Pure. */
export function cimdUrlProblem(clientId: string, allowHttp: boolean): string | undefined {
  if (!URL.canParse(clientId)) return 'is not a URL';
  const u = new URL(clientId);
  if (u.protocol !== 'https:' && !(allowHttp && u.protocol === 'http:')) return 'must be an https URL';
  if (u.hash || clientId.includes('#')) return 'must not have a fragment';
  if (u.username || u.password) return 'must not carry credentials';
  if (u.pathname === '/' || u.pathname === '') return 'must have a path';
  return undefined;
}

async function defaultLookup(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new FacadeError('invalid_client', 'the client metadata document is too large');
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FacadeError('invalid_client', 'the client metadata document is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Fetches and validates the CIMD document named by `clientId`; its client_id must equal the URL exactly. */
export async function fetchCimdClient(clientId: string, ctx: FacadeContext): Promise<FacadeClient> {
  const allow = ctx.cfg.cimdAllowPrivate;
  const problem = cimdUrlProblem(clientId, allow);
  if (problem) throw new FacadeError('invalid_client', `the client_id URL ${problem}`);
  const host = new URL(clientId).hostname.replace(/^\[|\]$/g, '');
  if (!allow) {
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await (ctx.lookup ?? defaultLookup)(host);
    } catch {
      throw new FacadeError('invalid_client', 'the client_id host does not resolve');
    }
    if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
      throw new FacadeError('invalid_client', 'the client_id host is not a public address');
    }
  }
  let text: string;
  try {
    const res = await fetch(clientId, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(ctx.cfg.cimdTimeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new FacadeError('invalid_client', `the client metadata document answered ${res.status}`);
    }
    text = await readBounded(res, ctx.cfg.cimdMaxBytes);
  } catch (err) {
    if (err instanceof FacadeError) throw err;
    throw new FacadeError('invalid_client', 'the client metadata document could not be fetched in time');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FacadeError('invalid_client', 'the client metadata document is not JSON');
  }
  const docId =
    doc && typeof doc === 'object' && Object.hasOwn(doc, 'client_id')
      ? (doc as { client_id: unknown }).client_id
      : undefined;
  if (docId !== clientId)
    throw new FacadeError('invalid_client', 'the client metadata document names another client_id');
  return validateClientMetadata(doc, clientId, true);
}
