// npm run audit:verify -- <file|table> [--partial]
//
// Checks the audit hash chain and reports the first broken link; exit code 0 when intact, 1 when
// broken, 2 on usage or access errors.
//   <file>   JSON lines (a stdout capture or a CloudWatch export); non-audit lines are ignored. "-" reads stdin.
//   <table>  anything that is not an existing file is taken as a DynamoDB table name
//            (DYNAMODB_ENDPOINT / AWS_REGION as for the functions); prefix "dynamodb:" to force it.
//   --partial  accept streams that do not start at seq 0 (an excerpt of a longer log).
import { existsSync, readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ChainBreak,
  type ChainOk,
  type Entry,
  isAuditRecord,
  recordFromItem,
  verifyChain,
  verifyEntries,
} from '../lib/audit/index.ts';
import { loadConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/store/index.ts';

async function fromTable(table: string, partial: boolean): Promise<ChainOk | ChainBreak> {
  // The verifier needs only the store settings; auth settings are irrelevant here.
  const cfg = loadConfig({ AUTH_DISABLED: 'true', ...process.env });
  const { doc, raw } = await dynamoClient(cfg.store);
  try {
    const records = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const record = recordFromItem(item);
        if (isAuditRecord(record)) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    // A table has no line order: verify each stream in seq order, labelled stream#seq.
    records.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
    const entries: Entry[] = records.map((record) => ({ line: `${record.stream}#${record.seq}`, record }));
    return verifyEntries(entries, { partial });
  } finally {
    raw.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const partial = argv.includes('--partial');
  const target = argv.find((a) => !a.startsWith('--'));
  if (!target) {
    process.stderr.write('usage: npm run audit:verify -- <file|table> [--partial]\n');
    return 2;
  }
  let result: ChainOk | ChainBreak;
  let label: string;
  if (target === '-' || (!target.startsWith('dynamodb:') && existsSync(target))) {
    label = target === '-' ? 'stdin' : target;
    result = verifyChain(readFileSync(target === '-' ? 0 : target, 'utf8'), { partial });
  } else {
    const table = target.replace(/^dynamodb:/, '');
    label = `table ${table}`;
    result = await fromTable(table, partial);
  }
  if (result.ok) {
    process.stdout.write(`OK ${label}: ${result.records} records in ${result.streams} stream(s), chain intact\n`);
    return 0;
  }
  const where = typeof result.line === 'number' ? `line ${result.line}` : `record ${result.line}`;
  process.stdout.write(
    `BROKEN ${label}: ${where}: ${result.reason}${result.stream ? ` (stream ${result.stream}, seq ${result.seq})` : ''}: ${result.detail}\n`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
