#!/usr/bin/env node
// The package bin: `mcp-lambda-stack doctor <MCP URL> [--token -] [--json]` (the token from stdin or MCP_TOKEN).
//
// The doctor's source is TypeScript (doctor/cli.ts). Node runs it directly where type stripping is on
// (Node 23.6+, 22.18+); Node 22.6–22.17 has it behind --experimental-strip-types, so the launcher re-runs
// itself with that flag. Node refuses to strip types under node_modules, so an installed copy uses a
// prebuilt dist/doctor/cli.mjs when one exists (esbuild: doctor/cli.ts → dist/doctor/cli.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const COMMANDS = ['doctor'];
const USAGE = `Usage: mcp-lambda-stack <command>

Commands:
  doctor <MCP URL> [--token -] [--json]   check an MCP endpoint's auth and streaming wiring
                                          (the token from stdin with --token -, or from MCP_TOKEN)

Run "mcp-lambda-stack doctor --help" for the doctor's options.
`;

const args = process.argv.slice(2);
const command = args[0];
if (!command || command === '-h' || command === '--help') {
  process.stdout.write(USAGE);
  process.exit(command ? 0 : 2);
}
if (!COMMANDS.includes(command)) {
  process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
  process.exit(2);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 6)) {
  process.stderr.write(`mcp-lambda-stack needs Node 22.6 or newer (this is ${process.version}).\n`);
  process.exit(2);
}

const source = fileURLToPath(new URL('../doctor/cli.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/doctor/cli.mjs', import.meta.url));
const underNodeModules = /[\\/]node_modules[\\/]/.test(source);

let entry;
if (existsSync(source) && !underNodeModules) entry = source;
else if (existsSync(built)) entry = built;
else {
  process.stderr.write('mcp-lambda-stack: neither doctor/cli.ts nor dist/doctor/cli.mjs is present.\n');
  process.exit(2);
}

// process.features.typescript only exists from 22.10; execArgv guards against re-running forever before that.
if (entry === source && !process.features?.typescript && !process.execArgv.includes('--experimental-strip-types')) {
  // Type stripping is present but flagged off: run the same launcher again with the flag.
  const r = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', fileURLToPath(import.meta.url), ...args],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(args);
