// The audit log through the real stack: a local host process (the built bundles) serves a mix of
// requests; its stdout must hold exactly one `request` record per HTTP request, each with the right
// outcome, identity and status, no token anywhere, and a hash chain that `npm run audit:verify` accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJwtShaped } from '../../../lib/audit/scan.ts';
import { type HostProcess, startHostProcess } from '../../support/host.ts';
import { startTestIssuer, type TestIssuer } from '../../support/issuer.ts';

const run = promisify(execFile);
let issuer: TestIssuer;
let host: HostProcess;
let devToken: string;
let viewerToken: string;

interface Rec {
  kind: string;
  outcome: string;
  httpStatus?: number;
  method?: string;
  tool?: string;
  principal?: { sub: string; scopes: string[] };
  argsDigest?: string;
  bytesOut?: number;
  era?: string;
  sessionId?: string;
}

const records = (): Rec[] =>
  host
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"message":"audit"'))
    .map((l) => JSON.parse(l));

const waitFor = async (pred: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  host = await startHostProcess({ AUTH_ISSUER: issuer.issuer, MAX_BODY_BYTES: '4096' });
  devToken = await issuer.token({ audience: host.mcpUrl, sub: 'dev-user', scope: 'mcp:tools mcp:admin' });
  viewerToken = await issuer.token({ audience: host.mcpUrl, sub: 'viewer-user', scope: 'mcp:tools' });
});

afterAll(async () => {
  await host?.stop();
  await issuer?.stop();
});

function post(body: unknown, token: string | undefined, extra: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(host.mcpUrl, {
    method: 'POST',
    signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('audit records through the local host', () => {
  it('writes exactly one record per request, with the right outcome each', async () => {
    const before = records().length;
    const init = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'audit-e2e', version: '1' } },
      },
      devToken,
    );
    expect(init.status).toBe(200);
    await init.text();
    const sid = init.headers.get('mcp-session-id')!;
    const s = { 'mcp-session-id': sid };
    const call = (name: string, args: unknown, id: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args },
    });

    // 1 ok, 2 bad token, 3 insufficient scope, 4 unknown session, 5 oversized body, 6 tool throws
    const ok = await post(call('echo', { text: 'hi', b: 1 }, 2), devToken, s);
    expect(ok.status).toBe(200);
    await ok.text();
    const bad = await post(call('echo', { text: 'x' }, 3), `${devToken.slice(0, -4)}AAAA`, s);
    expect(bad.status).toBe(401);
    await bad.text();
    const scope = await post(call('admin_demo', {}, 4), viewerToken, s);
    expect(scope.status).toBe(403);
    await scope.text();
    const unknown = await post(call('echo', { text: 'x' }, 5), devToken, { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    await unknown.text();
    const big = await post(call('echo', { text: 'x'.repeat(5_000) }, 6), devToken, s);
    expect(big.status).toBe(413);
    await big.text();
    const fail = await post(call('fail_demo', { message: 'boom' }, 7), devToken, s);
    expect(fail.status).toBe(200);
    expect(await fail.text()).toContain('"isError":true');

    // 7: the client goes away in the middle of stream_demo.
    const ac = new AbortController();
    const streaming = await post(call('stream_demo', { chunks: 20, interval_ms: 100 }, 8), devToken, s, ac.signal);
    const reader = streaming.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});

    await waitFor(() => records().length >= before + 8);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
    const mine = records().slice(before);
    expect(mine.filter((r) => r.kind === 'request')).toHaveLength(8);
    expect(mine.map((r) => [r.outcome, r.httpStatus])).toEqual([
      ['ok', 200],
      ['ok', 200],
      ['denied', 401],
      ['denied', 403],
      ['not_found', 404],
      ['too_large', 413],
      ['tool_error', 200],
      ['aborted', 200],
    ]);
    const [initRec, echoRec, badRec, scopeRec] = mine;
    expect(initRec!.method).toBe('initialize');
    expect(echoRec).toMatchObject({ method: 'tools/call', tool: 'echo', era: '2025', sessionId: sid });
    expect(echoRec!.principal).toMatchObject({ sub: 'dev-user', scopes: ['mcp:tools', 'mcp:admin'] });
    expect(echoRec!.argsDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(echoRec)).not.toContain('"hi"'); // raw arguments are not logged by default
    expect(badRec!.principal).toBeUndefined();
    expect(scopeRec).toMatchObject({ tool: 'admin_demo', principal: { sub: 'viewer-user' } });
    expect(mine[7]!.bytesOut).toBeGreaterThan(0);
  });

  it('records legacy SSE requests with their era, method, tool and session', async () => {
    const before = records().length;
    const sse = await fetch(`${host.origin}/sse`, { headers: { authorization: `Bearer ${devToken}` } });
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    let text = '';
    while (!/data: (\/messages\/\?sessionId=[^\n]+)/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\/messages\/\?sessionId=[^\n]+)/.exec(text)![1]!;
    const sessionId = new URL(endpoint, host.origin).searchParams.get('sessionId')!;
    const posted = await fetch(new URL(endpoint, host.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${devToken}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'x' } },
      }),
    });
    expect(posted.status).toBe(202);
    await posted.text();
    await reader.cancel();
    await waitFor(() =>
      records()
        .slice(before)
        .some((r) => r.httpStatus === 202),
    );
    const post = records()
      .slice(before)
      .find((r) => r.httpStatus === 202)!;
    expect(post).toMatchObject({ era: 'legacy-sse', method: 'tools/call', tool: 'echo', sessionId, outcome: 'ok' });
    expect(post.argsDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never logs a token, and the hash chain verifies', async () => {
    const out = host.stdout() + host.stderr();
    expect(findJwtShaped(out)).toEqual([]);
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-e2e-'));
    const file = path.join(dir, 'stdout.log');
    writeFileSync(file, host.stdout());
    const { stdout } = await run(process.execPath, [path.resolve('scripts/audit-verify.ts'), file]);
    expect(stdout).toMatch(/ok|OK|verified/i);
    const lines = host.stdout().split('\n');
    const i = lines.findIndex((l) => l.includes('"outcome":"too_large"'));
    lines[i] = lines[i]!.replace('"too_large"', '"ok"');
    writeFileSync(file, lines.join('\n'));
    const edited = await run(process.execPath, [path.resolve('scripts/audit-verify.ts'), file]).catch((e) => e);
    expect(edited.code).toBe(1);
    expect(`${edited.stdout}${edited.stderr}`).toMatch(/edited/);
  });
});
