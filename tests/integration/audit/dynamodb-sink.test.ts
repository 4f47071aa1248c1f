import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditor, withAudit } from '../../../lib/audit/auditor.ts';
import { verifyEntries } from '../../../lib/audit/chain.ts';
import { dynamoDbSink, ensureAuditTable, queryAuditByPrincipal } from '../../../lib/audit/dynamodb.ts';
import type { AuditRecord } from '../../../lib/audit/record.ts';
import { BY_DAY_INDEX, principalKey, recordFromItem, sinksFor, stdoutSink } from '../../../lib/audit/sinks.ts';
import { type Config, loadConfig } from '../../../lib/config.ts';
import { dynamoClient, type StoreDynamo } from '../../../lib/store/index.ts';
import { testContext } from '../../support/context.ts';
import { startDynalite } from '../../support/dynalite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const T0 = Date.parse('2026-11-20T10:00:00.000Z');

let db: Awaited<ReturnType<typeof startDynalite>>;
let cfg: Config;
let clients: StoreDynamo;

beforeAll(async () => {
  db = await startDynalite();
  cfg = loadConfig({
    AUTH_DISABLED: 'true',
    AUDIT_SINK: 'dynamodb',
    DYNAMODB_ENDPOINT: db.endpoint,
    AUDIT_TTL_DAYS: '30',
  });
  clients = await dynamoClient(cfg.store);
  expect(await ensureAuditTable(cfg)).toBe('created');
  expect(await ensureAuditTable(cfg)).toBe('existed'); // idempotent
});

afterAll(async () => {
  clients?.raw.destroy();
  await db?.close();
});

/** Runs `audit:verify` as a child process; async, because dynalite lives in this process. */
function verify(target: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts/audit-verify.ts'), target],
      { cwd: ROOT, env: { ...process.env, DYNAMODB_ENDPOINT: db.endpoint }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
    );
  });
}

describe('DynamoDB audit sink (dynalite)', () => {
  it('AUDIT_SINK=dynamodb writes to stdout and DynamoDB', () => {
    // Metrics (EMF) derive from the same records unless POWERTOOLS_METRICS_DISABLED=true.
    expect(sinksFor(cfg).map((s) => s.name)).toEqual(['stdout', 'dynamodb', 'metrics']);
    expect(sinksFor({ ...cfg, ops: { ...cfg.ops, metricsEnabled: false } }).map((s) => s.name)).toEqual([
      'stdout',
      'dynamodb',
    ]);
    expect(sinksFor(loadConfig({ AUTH_DISABLED: 'true' })).map((s) => s.name)).toEqual(['stdout', 'metrics']);
    expect(sinksFor(loadConfig({ AUTH_DISABLED: 'true', AUDIT_SINK: 'off' }))).toEqual([]);
  });

  it('records are queryable by principal sub and time range, carry a TTL, and the table chain verifies', async () => {
    const lines: string[] = [];
    let clock = T0;
    const auditor = createAuditor(cfg, {
      stream: 'it-stream',
      now: () => clock,
      sinks: [
        stdoutSink((l) => lines.push(l)),
        dynamoDbSink({ doc: clients.doc, table: cfg.audit.table, ttlDays: 30 }),
      ],
    });
    const handler = withAudit(async () => new Response('ok'), auditor);
    const who = ['dev', 'viewer', 'dev', 'dev', undefined];
    for (let i = 0; i < who.length; i++) {
      clock = T0 + i * 60_000;
      const span = auditor.begin(
        new Request('http://127.0.0.1/mcp', { method: 'POST' }),
        testContext({ requestId: `r${i}` }),
      );
      const sub = who[i];
      if (sub) span.setPrincipal({ subject: sub, clientId: 'c', scopes: ['mcp:tools'], jti: `j${i}` });
      span.setRpc({ method: 'tools/call', tool: 'echo', args: { text: `t${i}` }, rpcId: i });
      span.end(new Response(null, { status: sub ? 200 : 401 }));
    }
    clock = T0 + 10 * 60_000;
    await (await handler(new Request('http://127.0.0.1/mcp'), testContext())).text();
    await auditor.flush();
    expect(lines).toHaveLength(6);

    const devAll = await queryAuditByPrincipal(clients.doc, cfg.audit.table, 'dev', {
      from: '2026-11-20T00:00:00.000Z',
      to: '2026-11-20T23:59:59.999Z',
    });
    expect(devAll.map((r) => r.function_request_id)).toEqual(['r0', 'r2', 'r3']);
    expect(devAll.every((r) => r.principal?.sub === 'dev')).toBe(true);
    const window = await queryAuditByPrincipal(clients.doc, cfg.audit.table, 'dev', {
      from: new Date(T0 + 60_000).toISOString(),
      to: new Date(T0 + 2 * 60_000).toISOString(),
    });
    expect(window.map((r) => r.function_request_id)).toEqual(['r2']);
    const anonymous = await clients.doc.send(
      new QueryCommand({
        TableName: cfg.audit.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': principalKey(undefined) },
      }),
    );
    expect(anonymous.Items?.map((i) => [i.outcome, i.httpStatus])).toEqual([
      ['denied', 401],
      ['ok', 200],
    ]);

    // Every record of the day through the GSI, and the stored item equals the stdout line.
    const day = await clients.doc.send(
      new QueryCommand({
        TableName: cfg.audit.table,
        IndexName: BY_DAY_INDEX,
        KeyConditionExpression: 'gsi1pk = :d',
        ExpressionAttributeValues: { ':d': 'day#2026-11-20' },
      }),
    );
    expect(day.Items).toHaveLength(6);
    const first = day.Items![0]!;
    expect(first.ttl).toBe(Math.floor(T0 / 1000) + 30 * 86_400);
    expect(recordFromItem(first)).toEqual(JSON.parse(lines[0]!) as AuditRecord);

    expect(await verify(cfg.audit.table)).toEqual({
      code: 0,
      out: expect.stringMatching(/^OK table .*: 6 records in 1 stream/),
    });

    // Edit one stored record: the verifier names it.
    const victim = day.Items![2]!;
    expect(victim.outcome).toBe('ok');
    await clients.doc.send(
      new UpdateCommand({
        TableName: cfg.audit.table,
        Key: { pk: victim.pk, sk: victim.sk },
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': 'denied' },
      }),
    );
    const edited = await verify(`dynamodb:${cfg.audit.table}`);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/BROKEN .*record it-stream#2: edited/);

    // Delete another: after putting the edit back, removal is reported.
    await clients.doc.send(
      new UpdateCommand({
        TableName: cfg.audit.table,
        Key: { pk: victim.pk, sk: victim.sk },
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': victim.outcome },
      }),
    );
    expect((await verify(cfg.audit.table)).code).toBe(0);
    const gone = day.Items![4]!;
    await clients.doc.send(new DeleteCommand({ TableName: cfg.audit.table, Key: { pk: gone.pk, sk: gone.sk } }));
    const removed = await verify(cfg.audit.table);
    expect(removed.code).toBe(1);
    expect(removed.out).toMatch(/record it-stream#5: removed .*seq 4 removed/);
  });

  it('task records of two instances (same owner, same millisecond, same seq) are both kept and verify', async () => {
    // Two workers' auditors (two streams) write the same fact type for one owner at the same instant.
    const at = T0 + 3_600_000;
    const auditors = ['task-stream-a', 'task-stream-b'].map((stream) =>
      createAuditor(cfg, {
        stream,
        now: () => at,
        sinks: [dynamoDbSink({ doc: clients.doc, table: cfg.audit.table, ttlDays: 30 })],
      }),
    );
    for (const auditor of auditors) {
      auditor.task({
        event: 'status',
        taskId: 'task-1',
        tool: 'long_demo',
        status: 'completed',
        principal: { subject: 'task-owner', clientId: 'app', scopes: ['mcp:tools'] },
        createdAt: at - 5_000,
      });
      await auditor.flush();
    }
    const items = await queryAuditByPrincipal(clients.doc, cfg.audit.table, 'task-owner', {
      from: new Date(at - 1000).toISOString(),
      to: new Date(at + 1000).toISOString(),
    });
    expect(items.map((r) => `${r.stream}:${r.kind}:${r.taskId}:${r.taskStatus}`).sort()).toEqual([
      'task-stream-a:task:task-1:completed',
      'task-stream-b:task:task-1:completed',
    ]);
    // The earlier test tampered with the table on purpose; these streams verify on their own.
    const entries = items.map((record) => ({ line: `${record.stream}#${record.seq}`, record }));
    expect(verifyEntries(entries)).toMatchObject({ ok: true, records: 2, streams: 2 });
  });

  it('a missing table fails the sink, not the request: one stderr line, the stdout record is still written', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const auditor = createAuditor(cfg, {
      stderr: (l) => err.push(l),
      sinks: [stdoutSink((l) => out.push(l)), dynamoDbSink({ doc: clients.doc, table: 'no-such-table', ttlDays: 1 })],
    });
    const res = await withAudit(async () => Response.json({ ok: true }), auditor)(
      new Request('http://127.0.0.1/mcp'),
      testContext(),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    await auditor.flush();
    expect(out).toHaveLength(1);
    expect(err).toHaveLength(1);
    expect(JSON.parse(err[0]!).message).toMatch(/^audit sink "dynamodb" failed: ResourceNotFoundException/);
  });
});
