// The doctor's command line: `doctor <MCP URL> [--token <token>|-] [--json] [--timeout-ms N]
// [--chunks N] [--interval-ms N] [--origin <foreign origin>]`.
//
//   main(argv): Promise<number>     runs, prints, returns the exit code (0 all passed, 1 a check failed,
//                                   2 bad usage); a leading "doctor" word is accepted (the package bin)
//
// The token comes from `--token -` (stdin) or the MCP_TOKEN environment variable, which keep it out of
// the process list and shell history; `--token <token>` works too but shows it to `ps`.
import { realpathSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exitCodeOf, renderText, runDoctor } from './doctor.ts';

export const USAGE = `Usage: mcp-lambda-stack doctor <MCP URL> [options]

Checks an MCP endpoint's auth and streaming the way a client sees them.

Options:
  --token -           read an access token for the URL from stdin
  --token <token>     the token itself (visible to ps; prefer "-" or MCP_TOKEN)
  --json              print the report as JSON
  --timeout-ms <n>    per request (default 10000)
  --chunks <n>        stream_demo chunks (default 5)
  --interval-ms <n>   stream_demo interval (default 300)
  --origin <origin>   the foreign Origin to try (default https://doctor.invalid)
  -h, --help          this text

Environment:
  MCP_TOKEN           the access token, when --token is not given

Exit code: 0 when every check passes, 1 when any fails, 2 on bad usage.
`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`--${name} must be a positive whole number`);
  return Number(raw);
}

export async function main(argv: string[]): Promise<number> {
  const args = argv[0] === 'doctor' ? argv.slice(1) : argv;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const url = positionals[0];
  try {
    if (!url || positionals.length > 1) throw new Error('Give exactly one MCP URL');
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('The MCP URL must be http(s)');
    let token = values.token ?? process.env.MCP_TOKEN;
    if (token === '-') token = (await text(process.stdin)).trim();
    const report = await runDoctor({
      url,
      ...(token ? { token } : {}),
      timeoutMs: positiveInt('timeout-ms', values['timeout-ms'], 10_000),
      chunks: positiveInt('chunks', values.chunks, 5),
      intervalMs: positiveInt('interval-ms', values['interval-ms'], 300),
      ...(values.origin ? { foreignOrigin: values.origin } : {}),
    });
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report, color));
    return exitCodeOf(report);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      chunks: { type: 'string' },
      'interval-ms': { type: 'string' },
      origin: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
