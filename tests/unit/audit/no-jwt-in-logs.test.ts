// The "no token in any log" guarantee. scripts/test.ts tees the whole suite's output (and every host
// process's output) into TEST_LOG_DIR and runs findJwtShaped over it after the run; this test pins the
// scanner and the standalone script, and scans whatever earlier steps already left in TEST_LOG_DIR.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findJwtShaped } from '../../../lib/audit/scan.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'scan-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = `${b64u({ alg: 'ES256', kid: 'k1' })}.${b64u({ sub: 'dev', aud: 'http://127.0.0.1:3000/mcp' })}.c2ln`;

function scan(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts/scan-logs.ts'), file],
      { encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('scan of log output for JWT-shaped strings', () => {
  it('scripts/scan-logs.ts exits 1 and names the place, without echoing the token', async () => {
    const bad = path.join(dir, 'bad.log');
    writeFileSync(bad, `ok line\n{"level":"DEBUG","headers":{"authorization":"Bearer ${jwt}"}}\n`);
    const r = await scan(bad);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad\.log:2:\d+: JWT-shaped string eyJ/);
    expect(r.out.includes(jwt)).toBe(false);
    expect(findJwtShaped(r.out)).toEqual([]);
  });

  it('scripts/scan-logs.ts exits 0 on clean output', async () => {
    const good = path.join(dir, 'good.log');
    writeFileSync(good, ' ✓ tests/unit/audit/chain.test.ts (10 tests)\n{"message":"audit","outcome":"denied"}\n');
    expect(await scan(good)).toEqual({ code: 0, out: expect.stringMatching(/no JWT-shaped strings/) });
  });

  it('finds nothing in the logs the suite has written so far (TEST_LOG_DIR, when npm test set it)', () => {
    const logDir = process.env.TEST_LOG_DIR;
    if (!logDir || !existsSync(logDir)) return;
    const hits: string[] = [];
    for (const name of readdirSync(logDir)) {
      const p = path.join(logDir, name);
      if (!statSync(p).isFile()) continue;
      for (const f of findJwtShaped(readFileSync(p, 'utf8'))) hits.push(`${name}:${f.line}:${f.column} ${f.preview}`);
    }
    expect(hits).toEqual([]);
  });
});
