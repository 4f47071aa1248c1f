// `task` audit records: chained on the same stream as the request records of the same auditor, redacted like
// them (a token-shaped subject never reaches a sink), free of arguments and results, and accepted by the
// verifier; their outcome follows the task status.
import { describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { verifyEntries } from '../../../lib/audit/chain.ts';
import type { AuditRecord } from '../../../lib/audit/record.ts';
import { REDACTED } from '../../../lib/audit/redact.ts';
import { type TaskAuditFacts, taskOutcome } from '../../../lib/audit/task.ts';
import { loadConfig } from '../../../lib/config.ts';
import { testContext } from '../../support/context.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';

function setup() {
  const records: AuditRecord[] = [];
  const cfg = loadConfig({ AUTH_DISABLED: 'true' });
  const auditor = createAuditor(cfg, { sinks: [{ name: 'memory', write: (r) => void records.push(r) }] });
  return { records, auditor };
}

const facts = (over: Partial<TaskAuditFacts> = {}): TaskAuditFacts => ({
  event: 'created',
  taskId: '9dbb38fb-bed6-473b-acb2-275b9957f50a',
  tool: 'long_demo',
  status: 'working',
  principal: { subject: 'alice', clientId: 'app', scopes: ['mcp:tools'] },
  createdAt: Date.now() - 5,
  ...over,
});

describe('task audit records', () => {
  it('a token-shaped subject or client id is redacted; task id, event and status are kept as written', () => {
    const { records, auditor } = setup();
    auditor.task(facts({ principal: { subject: JWT, clientId: `x ${JWT}`, scopes: [JWT] } }));
    const line = JSON.stringify(records[0]);
    expect(line).not.toContain(JWT.split('.')[1]!);
    expect(records[0]!.principal?.sub).toContain(REDACTED);
    expect(records[0]).toMatchObject({ kind: 'task', taskId: facts().taskId, taskEvent: 'created' });
  });

  it('carries the owner, the tool and the status, never arguments, results or HTTP fields', () => {
    const { records, auditor } = setup();
    auditor.task(facts({ event: 'status', status: 'failed', reason: 'The task worker stopped' }));
    const r = records[0]!;
    expect(r).toMatchObject({
      message: 'audit',
      schema: 1,
      kind: 'task',
      taskEvent: 'status',
      taskStatus: 'failed',
      tool: 'long_demo',
      principal: { sub: 'alice', clientId: 'app', scopes: ['mcp:tools'] },
      outcome: 'error',
      level: 'ERROR',
      error: 'The task worker stopped',
    });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    for (const k of ['args', 'argsDigest', 'result', 'httpMethod', 'path', 'rpcId'])
      expect(Object.hasOwn(r, k)).toBe(false);
  });

  it('shares the chain of the request records: verifyEntries accepts the stream, an edited task record breaks it', async () => {
    const { records, auditor } = setup();
    const handler = withAudit(async () => new Response('x'), auditor);
    await (await handler(new Request('http://127.0.0.1/mcp'), testContext())).text();
    auditor.task(facts());
    auditor.task(facts({ event: 'status', status: 'completed' }));
    auditor.task(facts({ event: 'result_fetched', status: 'completed' }));
    expect(records.map((r) => r.kind)).toEqual(['request', 'task', 'task', 'task']);
    // Each task record has its own request id: the DynamoDB sort key (time#request#seq) never repeats.
    const ids = records.slice(1).map((r) => r.function_request_id);
    for (const id of ids) expect(id).toMatch(/^task-[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(3);
    expect(new Set(records.map((r) => r.stream)).size).toBe(1);
    const entries = records.map((record, i) => ({ line: i + 1, record }));
    expect(verifyEntries(entries)).toMatchObject({ ok: true, records: 4 });
    const edited = records.map((r) => ({ ...r }));
    edited[2]!.taskStatus = 'cancelled';
    expect(verifyEntries(edited.map((record, i) => ({ line: i + 1, record })))).toMatchObject({ ok: false, line: 3 });
  });

  it('outcome per status: failed → error, cancelled → aborted, the rest ok', () => {
    expect(['working', 'input_required', 'completed', 'failed', 'cancelled'].map(taskOutcome)).toEqual([
      'ok',
      'ok',
      'ok',
      'error',
      'aborted',
    ]);
  });
});
