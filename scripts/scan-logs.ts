// node scripts/scan-logs.ts <file> [...files]
//
// Fails (exit 1) when any file holds a JWT-shaped string; prints where, never the token itself.
// `npm test` tees the whole suite's output to a file and runs this over it afterwards.
import { readFileSync } from 'node:fs';
import { findJwtShaped } from '../lib/audit/scan.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node scripts/scan-logs.ts <file> [...files]\n');
  process.exit(2);
}
let total = 0;
for (const file of files) {
  const findings = findJwtShaped(readFileSync(file, 'utf8'));
  total += findings.length;
  for (const f of findings.slice(0, 20)) {
    process.stdout.write(`${file}:${f.line}:${f.column}: JWT-shaped string ${f.preview}\n`);
  }
  if (findings.length > 20) process.stdout.write(`${file}: ... and ${findings.length - 20} more\n`);
}
if (total > 0) {
  process.stdout.write(`scan-logs: ${total} JWT-shaped string(s) found in test output\n`);
  process.exit(1);
}
process.stdout.write(`scan-logs: no JWT-shaped strings in ${files.join(', ')}\n`);
