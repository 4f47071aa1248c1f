// Cedar policies through the local host (the built bundles, what SAM deploys): a copy of the repo built with
// POLICIES_DIR=policies/examples, served by local/start.ts. A call the policies deny over legacy SSE and over
// /mcp at 2026-07-28, and the bundles: the PRM function holds nothing of Cedar, /mcp only in a lazy chunk.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';
import { toolCallRequest } from '../../support/mcp-request.ts';
import { copyRepo, type RepoCopy } from '../../support/repo-copy.ts';

let copy: RepoCopy;
let issuer: TestIssuer;
let host: HostProcess;
let token: string;

beforeAll(async () => {
  copy = copyRepo({ nodeModules: 'link', prefix: 'mcp-policy-' });
  const build = spawnSync(process.execPath, ['scripts/build.ts'], {
    cwd: copy.dir,
    env: { ...process.env, POLICIES_DIR: 'policies/examples' },
    encoding: 'utf8',
  });
  expect(build.status, build.stderr).toBe(0);
  issuer = await startTestIssuer();
  host = await startHostProcess({ AUTH_ISSUER: issuer.issuer }, 30_000, copy.dir);
  token = await issuer.token({ audience: host.mcpUrl, sub: 'alice', claims: { tenant: 'acme' } });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await issuer?.stop();
  copy?.remove();
});

/**
 * Every file of a function's bundle (entry and chunks) that holds Cedar code: the engine's import or lib/policy's
 * own text. (The policies themselves are data in the entry, as generated/policies.ts.)
 */
function cedarFiles(fn: string): string[] {
  const dir = path.join(copy.dir, 'dist', fn);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs'));
  return files.filter((f) =>
    /@cedar-policy\/cedar-wasm|policy evaluation failed closed/.test(readFileSync(path.join(dir, f), 'utf8')),
  );
}

describe('Cedar policies through the local host', () => {
  it('legacy SSE: a transfer for another tenant is denied on the stream with the reason', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const ac = new AbortController();
    const stream = await fetch(`${host.origin}/sse`, {
      headers: { ...auth, accept: 'text/event-stream' },
      signal: ac.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const until = async (needle: string) => {
      while (!buffer.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        buffer += value;
      }
    };
    await until('event: endpoint');
    const endpoint = /data: (\/messages\/\S+)/.exec(buffer)![1]!;
    const post = async (body: unknown) => {
      const r = await fetch(`${host.origin}${endpoint}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(202);
    };
    await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'policy-e2e', version: '1' } },
    });
    await until('"id":1');
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await post({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'transfer_demo', arguments: { amount: 5, tenant: 'globex' } },
    });
    await until('"id":2');
    ac.abort();
    const frame = buffer
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)))
      .find((f) => f.id === 2);
    expect(frame.result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'Denied by policy: transfers are limited to your own tenant' }],
    });
  });

  it('/mcp at 2026-07-28: denied with the reason, allowed for the own tenant', async () => {
    const call = async (tenant: string) => {
      const req = toolCallRequest('transfer_demo', { amount: 5, tenant }, { id: 7 });
      const r = await fetch(host.mcpUrl, {
        method: 'POST',
        headers: { ...req.headers, authorization: `Bearer ${token}` },
        body: req.body,
      });
      return r.text();
    };
    expect(await call('globex')).toContain('Denied by policy: transfers are limited to your own tenant');
    expect(await call('acme')).toContain('transferred 5 for acme');
  });

  it('the PRM bundle holds nothing of Cedar; /mcp and /sse name it only in a lazy chunk', () => {
    expect(cedarFiles('prm')).toEqual([]);
    for (const fn of ['mcp', 'sse']) {
      const files = cedarFiles(fn);
      expect(files.length, fn).toBeGreaterThan(0);
      expect(
        files.every((f) => f.startsWith('chunks/')),
        fn,
      ).toBe(true);
    }
  });
});
