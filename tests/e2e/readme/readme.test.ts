// The README runs: every fenced block of its "Set-up on a fresh machine", "Try it" and "Add your own tool" sections
// (with "Tools that ask for input"), in order, in a fresh copy of the repository (no node_modules, no dist: the
// README's own `npm ci` installs it).
// Shell blocks run in bash with `set -euo pipefail`, and the variables a block assigns (TOKEN, SESSION) carry into
// the next, as in the reader's terminal. An `npm start` line runs in the background until its banner, as the reader
// keeps it running in one terminal; a later `npm start` first stops the running one with Ctrl-C (SIGINT to its
// process group), which must exit 0. A ```ts file=<path> block is saved to that path, as the reader is told to.
//
// What the test changes, and only that: the ports (free ones instead of 3000 and 8080, so a busy machine does not
// matter: every `127.0.0.1:3000` in a command becomes the free port, and PORT, AS_PORT and MCP_PUBLIC_URL are set the
// way the banner's token command says for other ports), AS=embedded (npm start would pick Keycloak where Java 21+
// exists; tests/e2e/tools/ covers Keycloak), and npm's prefer-offline setting (the registry cache, not the network).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo, type RepoCopy, ROOT } from '../../support/repo-copy.ts';
import { type StackProcess, startStack, userEnv } from '../../support/stack-process.ts';
import { freePort } from '../login/login-flow.ts';
import { assignedVariables, type Block, blocksIn, segments } from './blocks.ts';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const SECTIONS = ['Set-up on a fresh machine', 'Try it', 'Add your own tool'];
const blocks = SECTIONS.flatMap((s) => blocksIn(README, s));

interface Run {
  block: Block;
  code: number | null;
  out: string;
  err: string;
  /** stdout as it arrived: ms since the script started, and the text. */
  chunks: Array<{ at: number; text: string }>;
}

let repo: RepoCopy;
let port: number;
let asPort: number;
let env: NodeJS.ProcessEnv;
let stack: StackProcess | undefined;
const stacks: StackProcess[] = [];
const stops: Array<{ code: number | null; signal: NodeJS.Signals | null; answered: string }> = [];
const runs: Run[] = [];
const STATE = 'readme-shell-state.sh';

/** A README command with the test's port in place of 3000 (the only thing rewritten). */
const localise = (text: string) => text.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`);

function runScript(block: Block, text: string): Promise<Run> {
  const vars = assignedVariables(text);
  const script = [
    'set -euo pipefail',
    `if [ -f ${STATE} ]; then source ${STATE}; fi`,
    localise(text),
    ...vars.map((v) => `printf 'export %s=%q\\n' ${v} "$${v}" >> ${STATE}`),
  ].join('\n');
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('bash', ['-c', script], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { block, code: null, out: '', err: '', chunks: [] };
    // Kept for the suite-wide scan for JWT-shaped strings: no README command may print a token.
    const log = process.env.TEST_LOG_DIR
      ? createWriteStream(path.join(process.env.TEST_LOG_DIR, `readme-${block.line}-${child.pid}.log`))
      : undefined;
    child.stdout.on('data', (d: Buffer) => {
      run.out += d;
      run.chunks.push({ at: Date.now() - started, text: d.toString() });
      log?.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      run.err += d;
      log?.write(d);
    });
    child.once('close', (code) => {
      log?.end();
      run.code = code;
      resolve(run);
    });
  });
}

beforeAll(async () => {
  if (process.env.TEST_LOG_DIR) mkdirSync(process.env.TEST_LOG_DIR, { recursive: true });
  repo = copyRepo({ nodeModules: 'none', prefix: 'mcp-stack-readme-' });
  [port, asPort] = [await freePort(), await freePort()];
  env = userEnv({
    PORT: String(port),
    AS_PORT: String(asPort),
    MCP_PUBLIC_URL: `http://127.0.0.1:${port}/mcp`,
    AS: 'embedded',
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    // npm ci brings node_modules/.bin/node (Node 24): the copy's own, as for a reader.
    PATH: `${path.join(repo.dir, 'node_modules', '.bin')}:${process.env.PATH}`,
  });
}, 60_000);

afterAll(async () => {
  for (const s of stacks) await s.interrupt(5_000);
  repo?.remove();
}, 60_000);

describe('the README runs (set-up, Try it, Add your own tool)', () => {
  it('has every section, each with commands, and only the ports to rewrite', () => {
    for (const s of SECTIONS) expect(blocks.filter((b) => b.section === s).length, s).toBeGreaterThan(0);
    const commands = blocks.filter((b) => b.lang === 'sh').map((b) => b.text.replace(/(^|\s)#.*$/gm, '')); // what runs, not the comments
    expect(commands.some((c) => c.includes('127.0.0.1:3000'))).toBe(true);
    // Nothing else that names a port the test would have to move.
    expect(commands.join('\n').replaceAll('127.0.0.1:3000', '')).not.toMatch(/:(3000|8080)\b/);
    // Every block is a shell block or a file the reader saves.
    for (const b of blocks) expect(b.lang === 'sh' || Boolean(b.file), `line ${b.line}: ${b.lang}`).toBe(true);
  });

  for (const block of blocks) {
    it(`${block.section}, line ${block.line}: ${block.file ? `save ${block.file}` : 'runs'}`, async () => {
      if (block.file) {
        const target = path.join(repo.dir, block.file);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, `${block.text}\n`);
        return;
      }
      for (const seg of segments(block)) {
        if (seg.kind === 'start') {
          if (stack) {
            const end = await stack.interrupt();
            // Stopped means stopped: the host and the AS let go of their ports.
            const answered = await fetch(`http://127.0.0.1:${port}/mcp`, { signal: AbortSignal.timeout(2_000) }).then(
              (r) => `answered ${r.status}`,
              (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.name,
            );
            stops.push({ ...end, answered });
          }
          stack = await startStack({
            command: seg.line,
            cwd: repo.dir,
            env,
            timeoutMs: 240_000,
            logName: 'readme-start',
          });
          stacks.push(stack);
          continue;
        }
        const run = await runScript(block, seg.text);
        runs.push(run);
        expect(run.code, `line ${block.line} exited ${run.code}\nstdout:\n${run.out}\nstderr:\n${run.err}`).toBe(0);
      }
    }, 300_000);
  }

  const find = (what: string, pred: (b: Block) => boolean): Run => {
    const run = runs.find((r) => pred(r.block));
    if (!run) throw new Error(`no README block ran that ${what}`);
    return run;
  };
  const events = (out: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.length > 6) // the priming event has empty data
      .map(
        (l) =>
          JSON.parse(l.slice(6)) as { method?: string; id?: number; result?: { content: Array<{ text: string }> } },
      );

  it('npm start printed the URLs it serves, and every restart stopped with Ctrl-C cleanly', () => {
    expect(stacks.length).toBeGreaterThanOrEqual(2); // set-up, then again after adding the tool
    expect(stacks[0]!.banner('MCP endpoint')).toBe(`http://127.0.0.1:${port}/mcp`);
    expect(stops.length).toBe(stacks.length - 1);
    for (const s of stops) {
      expect(s.code === 0 || s.signal === 'SIGINT', JSON.stringify(s)).toBe(true);
      expect(s.answered).toBe('ECONNREFUSED');
    }
    for (const s of stacks) expect(s.stderr()).not.toMatch(/\[start\] failed/);
  });

  it('Try it, 2026-07-28: five progress events stream over time, then the result', () => {
    const run = find('calls stream_demo as 2026-07-28', (b) => /mcp-name: stream_demo/.test(b.text));
    const ev = events(run.out);
    expect(ev.filter((e) => e.method === 'notifications/progress')).toHaveLength(5);
    expect(ev.filter((e) => e.method === 'notifications/message')).toHaveLength(5);
    expect(ev.at(-1)?.result?.content[0]?.text).toBe('chunk 1/5\nchunk 2/5\nchunk 3/5\nchunk 4/5\nchunk 5/5');
    // Streamed, not buffered: the first progress event arrived long before the result (4 intervals of 500 ms).
    const first = run.chunks.find((c) => c.text.includes('notifications/progress'))!;
    const last = run.chunks.find((c) => c.text.includes('"result"'))!;
    expect(last.at - first.at).toBeGreaterThan(1_500);
  });

  it('Try it, 2025: initialize gave a session, and the call streamed in it', () => {
    const run = find('initializes a 2025 session', (b) => /"method":"initialize"/.test(b.text));
    const ev = events(run.out);
    expect(ev.filter((e) => e.method === 'notifications/progress')).toHaveLength(5);
    expect(ev.find((e) => e.id === 2)?.result?.content[0]?.text).toContain('chunk 5/5');
    const state = readFileSync(path.join(repo.dir, STATE), 'utf8');
    expect(state).toMatch(/export SESSION=[A-Za-z0-9_-]{20,}/);
  });

  it('Add your own tool: the restarted stack knows the tool and its scope, the call works, a narrower token gets 403', () => {
    const banner = stacks.at(-1)!;
    expect(banner.banner('Dev users')).toContain('weather:write');
    expect(banner.stderr()).toContain('1 from tools/');
    const call = find('calls set_forecast', (b) => /mcp-name: set_forecast/.test(b.text) && !/NARROW/.test(b.text));
    expect(call.out).toContain('"weather:write"'); // the PRM lists it
    expect(call.out).toContain('Oslo: rain (set by dev)');
    const denied = find('calls set_forecast without the scope', (b) => /NARROW/.test(b.text));
    expect(denied.out).toMatch(/^HTTP\/1\.1 403/m);
    expect(denied.out).toMatch(/www-authenticate: Bearer error="insufficient_scope", scope="weather:write"/i);
    expect(denied.out).not.toContain('set by');
  });

  it('Tools that ask for input: confirm_demo answers input_required with a sealed state, and the retry completes', () => {
    const run = find('calls confirm_demo', (b) => /mcp-name: confirm_demo/.test(b.text));
    expect(run.out).toContain('"resultType":"input_required"');
    expect(run.out).toMatch(/"requestState":"v1\.dev\./); // npm start's own random key, kid `dev`
    expect(run.out).toContain('"text":"confirmed: deploy"');
  });
});
