// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (top N) and per bundle file.
//
//   node bench/profile-summary.ts <file.cpuprofile> [top=40]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) {
  self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.split('/').slice(-2).join('/');
  const key = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
}
const top = Number(topArg ?? 40);
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms\n`);
for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`);
}

// Inclusive time per function name (each sample counted once per name on its stack).
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
for (const [id, us] of self) {
  const names = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    names.add(`${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}:${f.lineNumber}`);
  }
  for (const k of names) incl.set(k, (incl.get(k) ?? 0) + us);
}
process.stdout.write('\ninclusive\n');
for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP_INCL ?? 80))) {
  process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`);
}
