// lib/telemetry bundled as `sam build` and scripts/build.ts bundle the functions (ESM, minified, code
// splitting, the createRequire banner) runs on this Node: the log line is redacted JSON with the invocation
// keys, the EMF lines are written, and Powertools Metrics sits in a lazily loaded chunk, not in the entry.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../local/template.ts';
import { esbuildOptions } from '../../../scripts/build.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SECRET = 'bundled-Secret-0123456789';
let outdir: string;
let run: ReturnType<typeof spawnSync>;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'telemetry-bundle-'));
  const mcp = loadTemplate(path.join(ROOT, 'template.yaml')).find((f) => f.logicalId === 'McpFunction')!;
  await esbuild.build({
    ...esbuildOptions(mcp),
    entryPoints: { index: path.join(import.meta.dirname, 'fixtures', 'bundle-entry.ts') },
    outdir,
  });
  run = spawnSync(process.execPath, [path.join(outdir, 'index.mjs')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', POWERTOOLS_SERVICE_NAME: 'bundle', SECRET_FOR_TEST: SECRET },
    timeout: 30_000,
  });
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const lines = (text: unknown) =>
  String(text)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('lib/telemetry in an ESM bundle with the functions’ esbuild settings', () => {
  it('runs: a redacted error line with the invocation keys on stderr, two EMF lines on stdout', () => {
    expect(run.status, String(run.stderr)).toBe(0);
    expect(`${run.stdout}${run.stderr}`.includes(SECRET)).toBe(false);
    const [error, ...rest] = lines(run.stderr);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({
      level: 'ERROR',
      message: 'bundled line',
      service: 'bundle',
      cold_start: true,
      function_request_id: 'bundled-1',
      error: { name: 'Error', message: 'rejected Bearer [REDACTED]' },
    });
    const emf = lines(run.stdout);
    expect(emf.map((l) => [l.tool ?? '-', l.ToolCalls])).toEqual([
      ['echo', 1],
      ['-', 1],
    ]);
    expect(
      emf.every(
        (l) =>
          (l._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]!.Namespace ===
          'BundleTest',
      ),
    ).toBe(true);
  });

  it('Powertools Metrics is in a chunk loaded on first publication, not in the entry', () => {
    const entry = readFileSync(path.join(outdir, 'index.mjs'), 'utf8');
    const chunks = readdirSync(path.join(outdir, 'chunks')).filter((f) => f.endsWith('.mjs'));
    const emfChunk = (f: string) => readFileSync(path.join(outdir, 'chunks', f), 'utf8').includes('CloudWatchMetrics');
    expect(entry.includes('CloudWatchMetrics')).toBe(false);
    expect(chunks.filter(emfChunk)).toHaveLength(1);
  });
});
