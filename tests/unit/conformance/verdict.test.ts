// The baseline rules of `npm run conformance`: every entry says why, a WARNING counts as a failure,
// unexpected failures and stale entries (a baselined scenario that passes) both fail the run.
import { describe, expect, it } from 'vitest';
import {
  formatTable,
  judge,
  missingResult,
  parseBaseline,
  type Run,
  scenarioOfResultDir,
  scenarioResult,
} from '../../../scripts/conformance/verdict.ts';

const ok = (s: string) => scenarioResult(s, [{ id: s, status: 'SUCCESS' }]);
const bad = (s: string) => scenarioResult(s, [{ id: s, status: 'FAILURE', errorMessage: 'boom' }]);

describe('parseBaseline', () => {
  it('refuses an entry without a reason', () => {
    expect(() => parseBaseline('server:\n  - tools-call-sampling\n')).toThrow(/needs a "# reason"/);
    expect(() => parseBaseline('server:\n  - tools-call-sampling   #   \n')).toThrow(/needs a "# reason"/);
  });

  it('refuses duplicates and lines it cannot read', () => {
    expect(() => parseBaseline('server:\n  - a # x\n  - a # y\n')).toThrow(/twice/);
    expect(() => parseBaseline('server:\n  a: b\n')).toThrow(/cannot parse/);
  });

  it('reads server entries with their reasons, ignores comments and other sections', () => {
    const b = parseBaseline(
      '# header\nserver:\n  - dns-rebinding-protection  # not applicable: x\n  - ping # y\nclient:\n  - sse-retry # z\n',
    );
    expect([...b]).toEqual([
      ['dns-rebinding-protection', 'not applicable: x'],
      ['ping', 'y'],
    ]);
  });

  it('accepts the empty target baseline, and the committed baselines parse', async () => {
    expect(parseBaseline('server: []\n').size).toBe(0);
    const { readFileSync } = await import('node:fs');
    const read = (f: string) => readFileSync(new URL(`../../../conformance/${f}`, import.meta.url), 'utf8');
    for (const f of ['baseline.yml', 'baseline-2026-07-28.yml', 'baseline-2025-11-25.yml'])
      expect(() => parseBaseline(read(f)), f).not.toThrow();
    for (const section of ['embedded', 'keycloak'])
      expect(() => parseBaseline(read('baseline-authorization.yml'), section), section).not.toThrow();
  });

  it('reads only the section asked for (one per authorization server), each entry with its reason', () => {
    const text = 'embedded:\n  - authorization-code-grant # no scope default\nkeycloak: []\n';
    expect([...parseBaseline(text, 'embedded')]).toEqual([['authorization-code-grant', 'no scope default']]);
    expect(parseBaseline(text, 'keycloak').size).toBe(0);
    expect(parseBaseline(text).size).toBe(0);
    expect(() => parseBaseline('keycloak:\n  - x\n', 'keycloak')).toThrow(/needs a "# reason"/);
  });

  it('baselines no required 2026-07-28 scenario: only the tasks extension, which is optional', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../../conformance/baseline-2026-07-28.yml', import.meta.url), 'utf8');
    for (const [s] of parseBaseline(text)) expect(s).toMatch(/^tasks-/);
  });
});

describe('scenarioResult', () => {
  it('fails on a WARNING as the suite own baseline check does; INFO is neutral', () => {
    const r = scenarioResult('server-sse-multiple-streams', [
      { id: 'a', status: 'INFO' },
      { id: 'b', status: 'WARNING', errorMessage: 'no session id' },
    ]);
    expect(r).toMatchObject({ pass: false, warnings: 1, failed: 0, problems: ['WARNING b: no session id'] });
    expect(scenarioResult('x', [{ id: 'a', status: 'INFO' }]).pass).toBe(true);
    expect(missingResult('x', 'cut off').pass).toBe(false);
  });

  it('maps result directories back to scenario names, hyphens included', () => {
    expect(scenarioOfResultDir('server-tools-call-sampling-2026-11-24T20-13-13-271Z')).toBe('tools-call-sampling');
    expect(scenarioOfResultDir('server-ping')).toBeUndefined();
    expect(
      scenarioOfResultDir('authorization-server-authorization-server-metadata-endpoint-2026-12-01T10-24-20-462Z'),
    ).toBe('authorization-server-metadata-endpoint');
    expect(scenarioOfResultDir('authorization-server-authorization-code-grant-2026-12-01T10-24-20-462Z')).toBe(
      'authorization-code-grant',
    );
  });
});

describe('judge', () => {
  const runs: Run[] = [
    { mode: 'auth off', results: [ok('ping'), bad('tools-call-sampling'), ok('tools-list')] },
    { mode: 'auth on', results: [ok('ping'), bad('tools-call-sampling'), bad('tools-list')] },
  ];

  it('is ok when every failure is baselined', () => {
    const v = judge(
      [{ mode: 'off', results: [ok('ping'), bad('tools-call-sampling')] }],
      new Map([['tools-call-sampling', 'r']]),
    );
    expect(v).toMatchObject({ ok: true, expectedFailures: ['off/tools-call-sampling'], unexpectedFailures: [] });
  });

  it('flags an unbaselined failure in either mode', () => {
    const v = judge(runs, new Map([['tools-call-sampling', 'r']]));
    expect(v.ok).toBe(false);
    expect(v.unexpectedFailures).toEqual(['auth on/tools-list']);
  });

  it('flags a baselined scenario that passes (stale baseline) and entries that name nothing', () => {
    const v = judge(
      runs,
      new Map([
        ['tools-call-sampling', 'r'],
        ['tools-list', 'r'],
        ['ping', 'r'],
        ['no-such-scenario', 'r'],
      ]),
    );
    expect(v.ok).toBe(false);
    expect(v.unexpectedPasses).toEqual(['auth off/ping', 'auth off/tools-list', 'auth on/ping']);
    expect(v.unknownEntries).toEqual(['no-such-scenario']);
  });

  it('prints one row per scenario and a pass count per mode', () => {
    const table = formatTable(runs, new Map([['tools-call-sampling', 'r']]));
    expect(table).toMatch(/tools-call-sampling\s+FAIL \(expected\)\s+FAIL \(expected\)/);
    expect(table).toMatch(/tools-list\s+pass\s+FAIL/);
    expect(table).toMatch(/passed\s+2\/3\s+1\/3/);
  });
});
