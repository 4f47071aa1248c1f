// The README's fenced blocks, by section. A section is a heading and everything under it until the next heading of
// the same or a higher level. A block's info string is its language and, for a file the reader saves,
// `file=<path>` (```ts file=tools/set_forecast.ts).

export interface Block {
  section: string;
  lang: string;
  /** For a file block: where the reader saves it. */
  file?: string;
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

/** Every fenced block under the heading `title` (any level), in order. */
export function blocksIn(markdown: string, title: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  let level = 0; // the level of `title` while inside it, else 0
  let fence: { lang: string; file?: string; start: number; body: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      if (/^```\s*$/.test(line)) {
        if (level)
          out.push({
            section: title,
            lang: fence.lang,
            file: fence.file,
            text: fence.body.join('\n'),
            line: fence.start,
          });
        fence = undefined;
      } else fence.body.push(line);
      continue;
    }
    const open = /^```(\S*)(.*)$/.exec(line);
    if (open) {
      const file = /\bfile=(\S+)/.exec(open[2] ?? '')?.[1];
      fence = { lang: open[1] ?? '', ...(file ? { file } : {}), start: i + 1, body: [] };
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (!heading) continue;
    const depth = heading[1]!.length;
    if (level && depth <= level) level = 0;
    if (!level && heading[2]!.trim() === title) level = depth;
  }
  return out;
}

export type Segment = { kind: 'script'; text: string } | { kind: 'start'; line: string };

/**
 * A shell block split at its `npm start` lines: those run in the background until the banner (the reader keeps
 * the stack running and goes on in another terminal); everything else runs as a script.
 */
export function segments(block: Block): Segment[] {
  const out: Segment[] = [];
  let script: string[] = [];
  const flush = () => {
    if (script.some((l) => l.trim() && !l.trim().startsWith('#')))
      out.push({ kind: 'script', text: script.join('\n') });
    script = [];
  };
  for (const line of block.text.split('\n')) {
    if (/^npm start(\s+#.*)?$/.test(line.trim())) {
      flush();
      out.push({ kind: 'start', line: line.trim() });
    } else script.push(line);
  }
  flush();
  return out;
}

/** Shell variables a script assigns at the start of a line (`TOKEN=$(…)`), to carry into the next block. */
export function assignedVariables(script: string): string[] {
  return [...new Set([...script.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!))];
}
