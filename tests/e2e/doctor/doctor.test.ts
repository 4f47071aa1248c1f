// doctor against the real local stack (bundled handlers under the Function URL host): it passes every
// check on a healthy stack, and names each fault in deliberately broken setups started here.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Check, type DoctorReport, runDoctor } from '../../../doctor/index.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import type { TestIssuer } from '../../support/issuer.ts';
import { freePort, startDoctorIssuer, startProxy, type TestProxy } from './support.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'mcp-lambda-stack.mjs');

let issuer: TestIssuer & { asMetadataUrl: string };
beforeAll(async () => {
  issuer = await startDoctorIssuer();
});
afterAll(async () => {
  await issuer?.stop();
});

const checks = (r: DoctorReport): Check[] => r.steps.flatMap((s) => s.checks);
const byId = (r: DoctorReport, id: string): Check => {
  const c = checks(r).find((x) => x.id === id);
  if (!c)
    throw new Error(
      `no check ${id} in ${checks(r)
        .map((x) => x.id)
        .join(', ')}`,
    );
  return c;
};
const failed = (r: DoctorReport) => checks(r).filter((c) => c.status === 'fail');
const failedIds = (r: DoctorReport) => failed(r).map((c) => c.id);

/** Runs the packaged CLI; the token goes through stdin (`--token -`) or MCP_TOKEN in `env`. */
function runCli(
  args: string[],
  stdin = '',
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.MCP_TOKEN;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'doctor', ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('a healthy local stack', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({ AUTH_ISSUER: issuer.issuer });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('passes every check, finds the RFC 8414 path first and sees the stream', async () => {
    const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools' });
    const report = await runDoctor({ url: host.mcpUrl, token });
    expect(failed(report)).toEqual([]);
    expect(checks(report).filter((c) => c.status === 'warn')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.id)).toEqual(['challenge', 'prm', 'as', 'token', 'origin']);
    // All three PRM locations answered with the exact resource.
    expect(checks(report).filter((c) => c.id.startsWith('prm.fetch:') && c.status === 'pass')).toHaveLength(2);
    expect(byId(report, 'as.discovery').data?.answeredAt).toBe(issuer.asMetadataUrl);
    expect(byId(report, 'as.cimd').detail).toBe('supported');
    const stream = byId(report, 'mcp.stream');
    expect(stream.status).toBe('pass');
    expect(stream.data?.verdict).toBe('streamed');
    expect(stream.data?.arrivalsMs).toHaveLength(5);
    expect(byId(report, 'origin.foreign-403').status).toBe('pass');
  });

  it('the package bin prints JSON and exits 0; the token never appears in the output', async () => {
    const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools' });
    const r = await runCli([host.mcpUrl, '--token', '-', '--json', '--chunks', '3', '--interval-ms', '200'], token);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(byId(report, 'mcp.stream').data?.verdict).toBe('streamed');
    expect(r.stdout).not.toContain(token.split('.')[2]);
  });

  it('names a token minted without the audience, and the server refusing it', async () => {
    const token = await issuer.token({ audience: 'account', scope: 'mcp:tools' });
    const report = await runDoctor({ url: host.mcpUrl, token });
    expect(report.ok).toBe(false);
    const aud = byId(report, 'token.aud');
    expect(aud.status).toBe('fail');
    expect(aud.cause).toContain('aud is account');
    expect(aud.fix).toContain(`resource=${host.mcpUrl}`);
    const init = byId(report, 'mcp.initialize');
    expect(init.status).toBe('fail');
    expect(init.cause).toContain('401 invalid_token');
    expect(failedIds(report).sort()).toEqual(['mcp.initialize', 'token.aud']);
  });

  it('the package bin takes the token from MCP_TOKEN, so it never has to be on a command line', async () => {
    const token = await issuer.token({ audience: host.mcpUrl, scope: 'mcp:tools' });
    const r = await runCli([host.mcpUrl, '--json', '--chunks', '2', '--interval-ms', '200'], '', { MCP_TOKEN: token });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(byId(report, 'mcp.initialize').status).toBe('pass');
    expect(r.stdout).not.toContain(token.split('.')[2]);
    // Without it, the token checks are skipped rather than failed.
    const anonymous = JSON.parse((await runCli([host.mcpUrl, '--json'])).stdout) as DoctorReport;
    expect(checks(anonymous).some((c) => c.id === 'mcp.initialize' && c.status === 'pass')).toBe(false);
  });

  it('names a host that does not resolve, with the fix, instead of a bare ENOTFOUND', async () => {
    const report = await runDoctor({ url: 'http://mcp-doctor-test.invalid:3000/mcp', timeoutMs: 5_000 });
    const post = byId(report, 'challenge.post-401');
    expect(post.status).toBe('fail');
    expect(post.cause).toContain('the host name mcp-doctor-test.invalid does not resolve on this machine');
    expect(post.fix).toBe('Check the host name in the URL and its DNS record (mcp-doctor-test.invalid)');
    expect(post.data?.unresolvedHost).toBe('mcp-doctor-test.invalid');
  });

  it('the CLI exits 2 on bad usage', async () => {
    const r = await runCli(['not a url']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage');
  });
});

describe('MCP_PUBLIC_URL with a trailing slash the client does not use', () => {
  let host: HostProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    host = await startHostProcess({
      AUTH_ISSUER: issuer.issuer,
      PORT: String(port),
      MCP_PUBLIC_URL: `http://127.0.0.1:${port}/mcp/`,
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('says the PRM resource differs by a trailing slash', async () => {
    const url = `http://127.0.0.1:${port}/mcp`;
    const report = await runDoctor({ url });
    expect(report.ok).toBe(false);
    const prm = checks(report).filter((c) => c.id.startsWith('prm.fetch:'));
    expect(prm.length).toBeGreaterThan(0);
    for (const c of prm) {
      expect(c.status).toBe('fail');
      expect(c.data?.differences).toEqual(['trailing-slash']);
      expect(c.cause).toContain('differs in: trailing slash');
      expect(c.fix).toContain(`MCP_PUBLIC_URL to exactly ${url}`);
    }
    expect(failedIds(report).every((id) => id.startsWith('prm.fetch:'))).toBe(true);
  });
});

describe('AUTH_ISSUER that does not match the AS metadata issuer', () => {
  let host: HostProcess;
  beforeAll(async () => {
    // A trailing slash: the classic Keycloak issuer mistake. Discovery still finds the document.
    host = await startHostProcess({ AUTH_ISSUER: `${issuer.issuer}/`, AUTH_JWKS_URL: issuer.jwksUrl });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('names the issuer mismatch and the exact value to set', async () => {
    const report = await runDoctor({ url: host.mcpUrl });
    expect(byId(report, 'as.discovery').status).toBe('pass');
    const iss = byId(report, 'as.issuer');
    expect(iss.status).toBe('fail');
    expect(iss.cause).toContain(`the PRM names ${issuer.issuer}/`);
    expect(iss.fix).toBe(`Set AUTH_ISSUER to exactly ${issuer.issuer}`);
    expect(failedIds(report)).toEqual(['as.issuer']);
  });
});

describe('behind a proxy', () => {
  let host: HostProcess;
  let proxy: TestProxy;
  let url: string;
  beforeAll(async () => {
    proxy = await startProxy('pass');
    const port = await freePort();
    url = `${proxy.origin}/mcp`;
    host = await startHostProcess({ AUTH_ISSUER: issuer.issuer, PORT: String(port), MCP_PUBLIC_URL: url });
    proxy.upstream = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await host?.stop();
    await proxy?.stop();
  });

  it('a streaming proxy with the right MCP_PUBLIC_URL passes every check', async () => {
    proxy.mode = 'pass';
    const token = await issuer.token({ audience: url });
    const report = await runDoctor({ url, token, chunks: 4, intervalMs: 250 });
    expect(failed(report)).toEqual([]);
    expect(byId(report, 'mcp.stream').data?.verdict).toBe('streamed');
  });

  it('a buffering proxy: "buffered by something in front", and nothing else fails', async () => {
    proxy.mode = 'buffer';
    const token = await issuer.token({ audience: url });
    const report = await runDoctor({ url, token, chunks: 4, intervalMs: 250 });
    const stream = byId(report, 'mcp.stream');
    expect(stream.status).toBe('fail');
    expect(stream.cause).toMatch(/^buffered by something in front/);
    expect(stream.data?.verdict).toBe('buffered');
    // Held back, not slow: no chunk arrived before the server had emitted them all (a lower bound, which a busy
    // machine only makes larger; "they arrived within N ms of each other" would be an upper bound that flakes).
    const arrivals = stream.data?.arrivalsMs as number[];
    expect(arrivals).toHaveLength(4);
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual((stream.data?.expectedSpreadMs as number) - 50);
    expect(failedIds(report)).toEqual(['mcp.stream']);
  });

  it('a proxy that remaps WWW-Authenticate: named, and the CLI exits non-zero', async () => {
    proxy.mode = 'remap';
    const r = await runCli([url, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const header = byId(report, 'challenge.header-name');
    expect(header.status).toBe('fail');
    expect(header.cause).toContain('x-amzn-Remapped-WWW-Authenticate');
    expect(header.fix).toContain('Function URL');
    // The doctor still follows the remapped challenge, so the later steps keep working.
    expect(byId(report, 'challenge.resource-metadata').status).toBe('pass');
    expect(failedIds(report)).toEqual(['challenge.header-name']);

    const text = await runCli([url]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✗ WWW-Authenticate present under its real name');
    expect(text.stdout).toContain('cause: The challenge arrives as x-amzn-Remapped-WWW-Authenticate');
  });
});
