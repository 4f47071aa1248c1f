// `npm run audit:verify -- <file>` as a real child process over a captured stdout log.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { hashRecord } from '../../../lib/audit/chain.ts';
import { stdoutSink } from '../../../lib/audit/sinks.ts';
import { loadConfig } from '../../../lib/config.ts';
import { testContext } from '../../support/context.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'audit-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, script), ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A stdout capture as CloudWatch would keep it: audit records between ordinary log lines. */
async function capture(n: number): Promise<string[]> {
  const lines: string[] = [];
  const auditor = createAuditor(loadConfig({ AUTH_DISABLED: 'true' }), {
    stream: 'cli',
    sinks: [stdoutSink((l) => lines.push(l.trimEnd()))],
  });
  const handler = withAudit(async () => new Response('x'), auditor);
  for (let i = 0; i < n; i++) {
    lines.push(`{"level":"INFO","message":"handling request ${i}"}`);
    await (await handler(new Request(`http://127.0.0.1/mcp/${i}`), testContext())).text();
  }
  return lines;
}

function file(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, `START RequestId: x\n${lines.join('\n')}\n`);
  return p;
}

describe('audit:verify on a JSON-lines file', () => {
  it('reports OK with the count for an intact log', async () => {
    const r = await run('scripts/audit-verify.ts', file('ok.log', await capture(4)));
    expect(r).toEqual({
      code: 0,
      out: expect.stringMatching(/^OK .*ok\.log: 4 records in 1 stream\(s\), chain intact\n$/),
    });
  });

  it('names the line of an edited record', async () => {
    const lines = await capture(4);
    // line numbers in the file: 1 = START, then pairs (log, record): records are on lines 3, 5, 7, 9
    lines[3] = lines[3]!.replace('"outcome":"ok"', '"outcome":"denied"');
    const r = await run('scripts/audit-verify.ts', file('edited.log', lines));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^BROKEN .*: line 5: edited \(stream cli, seq 1\)/);
  });

  it('names where a deleted record was', async () => {
    const lines = await capture(4);
    lines.splice(5, 1); // the record of request 2 (file line 7)
    const r = await run('scripts/audit-verify.ts', file('deleted.log', lines));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/line 8: removed \(stream cli, seq 3\): seq 2 removed after line 5, before line 8/);
  });

  it('names a reordered record, and an edit with a recomputed hash', async () => {
    const lines = await capture(3);
    [lines[1], lines[3]] = [lines[3]!, lines[1]!];
    const r = await run('scripts/audit-verify.ts', file('reordered.log', lines));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/line 3: reordered/);

    const forged = await capture(3);
    const rec = { ...JSON.parse(forged[3]!), outcome: 'denied' };
    rec.hash = hashRecord(rec);
    forged[3] = JSON.stringify(rec);
    const f = await run('scripts/audit-verify.ts', file('forged.log', forged));
    expect(f.code).toBe(1);
    expect(f.out).toMatch(/line 7: edited .*prev does not match the hash of line 5/);
  });

  it('exits 2 with usage when no target is given', async () => {
    const r = await run('scripts/audit-verify.ts');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/usage: npm run audit:verify/);
  });
});
