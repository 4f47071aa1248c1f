// The layout rules of the README's architecture section and the rooms of lib/, checked on the real code:
// - the bundle graph (esbuild's metafile, what SAM deploys) for what a function loads, statically at
//   init or lazily;
// - the source text for what the bundle graph cannot see: type-only imports (erased by esbuild) and
//   which files know Lambda event shapes.
// Every rule also checks that it finds the files it is about, so a rule cannot pass by matching nothing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
type Edge = { path: string; lazy: boolean };
let graph: Record<string, Edge[]>;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${f}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const LIB = sources('lib');
const inRoom = (room: string) => (f: string) => f.startsWith(`${room}/`);

/** Relative import specifiers of a source file (type-only ones included), resolved to repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? path.posix.join(path.posix.dirname(file), s) : s));
}

/** Source text without comments (a `//` after a colon is a URL, not a comment). */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** Everything `entry` reaches in the bundle graph; with lazy=false only what loads at init (static imports). */
function reach(entry: string, lazy = true): Set<string> {
  const seen = new Set<string>();
  const walk = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const e of graph[n] ?? []) if (lazy || !e.lazy) walk(e.path);
  };
  walk(entry);
  return seen;
}

const isSdk = (d: string) => d.startsWith('@modelcontextprotocol');
/** The Cedar engine or the room that loads it (lib/policy, issue #20). */
const isCedar = (d: string) => d.startsWith('@cedar-policy/') || d.startsWith('lib/policy/');

beforeAll(async () => {
  const entryPoints = ['lib', 'local', 'functions', 'scripts', 'doctor']
    .flatMap(sources)
    .map((f) => path.join(ROOT, f));
  const r = await esbuild.build({
    entryPoints,
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: path.join(ROOT, '.cache', 'architecture'),
    platform: 'node',
    format: 'esm',
    splitting: true,
    metafile: true,
    packages: 'external',
    logLevel: 'silent',
  });
  graph = {};
  for (const [file, input] of Object.entries(r.metafile.inputs)) {
    graph[file] = input.imports.map((i) => ({ path: i.path, lazy: i.kind === 'dynamic-import' }));
  }
});

describe('architecture', () => {
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const onPath: string[] = [];
    const visit = (n: string) => {
      const at = onPath.indexOf(n);
      if (at >= 0) return void cycles.push([...onPath.slice(at), n].join(' -> '));
      if (done.has(n)) return;
      onPath.push(n);
      for (const m of graph[n] ?? []) if (m.path in graph) visit(m.path);
      onPath.pop();
      done.add(n);
    };
    for (const n of Object.keys(graph)) visit(n);
    expect(Object.keys(graph).filter(inRoom('lib')).length).toBeGreaterThan(50);
    expect(cycles).toEqual([]);
  });

  it('lib/ never imports functions/, local/, doctor/ or tests/ (type-only imports included)', () => {
    const bad = LIB.flatMap((f) =>
      importsOf(f)
        .filter((d) => /^(functions|local|tests|doctor)\//.test(d))
        .map((d) => `${f} -> ${d}`),
    );
    expect(importsOf('local/host.ts').some((d) => d.startsWith('lib/'))).toBe(true); // the scanner sees imports
    expect(bad).toEqual([]);
  });

  it('only lib/http knows Lambda: aws-lambda types and event fields appear nowhere else in lib/', () => {
    const LAMBDA = new RegExp(
      [
        "from 'aws-lambda'",
        '\\bawslambda\\.',
        '\\b(requestContext|rawPath|rawQueryString|isBase64Encoded|multiValueHeaders|QueryStringParameters)\\b',
        '\\b(awsRequestId|getRemainingTimeInMillis)\\b',
      ].join('|'),
    );
    const knowing = LIB.filter((f) => LAMBDA.test(code(f)));
    expect(knowing.filter(inRoom('lib/http')).length).toBeGreaterThanOrEqual(4); // v1, v2, alb, processor...
    expect(knowing.filter((f) => !inRoom('lib/http')(f))).toEqual([]);
  });

  it('nothing in lib/ outside lib/http imports lib/http (handler types live in lib/web-handler.ts)', () => {
    const bad = LIB.filter((f) => !inRoom('lib/http')(f)).flatMap((f) =>
      importsOf(f)
        .filter(inRoom('lib/http'))
        .map((d) => `${f} -> ${d}`),
    );
    for (const room of ['lib/mcp', 'lib/auth', 'lib/audit', 'lib/gate']) {
      // the scanner sees this room's imports of other lib/ modules (lib/auth: lib/config.ts)
      expect(
        LIB.filter(inRoom(room)).some((f) => importsOf(f).some(inRoom('lib'))),
        room,
      ).toBe(true);
    }
    expect(importsOf('lib/gate/gate.ts')).toContain('lib/web-handler.ts');
    expect(importsOf('functions/mcp.ts')).toContain('lib/http/index.ts');
    expect(bad).toEqual([]);
  });

  it('lib/gate reaches no MCP SDK, and of lib/mcp imports only the SDK-free JSON-RPC helpers', () => {
    const gate = LIB.filter(inRoom('lib/gate'));
    expect(gate.length).toBeGreaterThanOrEqual(5);
    expect([...reach('lib/mcp/endpoint.ts')].some(isSdk)).toBe(true); // the walk finds the SDK where it is
    for (const f of gate) expect([...reach(f)].filter(isSdk), f).toEqual([]);
    const intoMcp = gate.flatMap((f) => importsOf(f).filter(inRoom('lib/mcp')));
    expect(intoMcp.length).toBeGreaterThan(0);
    expect(new Set(intoMcp)).toEqual(new Set(['lib/mcp/jsonrpc.ts']));
  });

  it('the 401 and PRM paths never reach aws-jwt-verify (jose alone verifies every profile, Cognito included)', () => {
    for (const fn of ['functions/mcp.ts', 'functions/sse.ts', 'functions/prm.ts']) {
      expect(reach(fn).size, fn).toBeGreaterThan(5);
      expect(
        [...reach(fn)].filter((d) => d.startsWith('aws-jwt-verify')),
        fn,
      ).toEqual([]);
    }
    expect(reach('functions/mcp.ts')).toContain('lib/auth/profiles.ts'); // the walk sees the profile table
  });

  it('the 401 path loads neither the MCP SDK nor jose: both only lazily, after authentication', () => {
    for (const fn of ['functions/mcp.ts', 'functions/sse.ts']) {
      const all = [...reach(fn)];
      expect(all.some(isSdk), fn).toBe(true);
      expect(all, fn).toContain('jose');
      const atInit = [...reach(fn, false)];
      expect(atInit, fn).toContain('lib/gate/gate.ts');
      expect(atInit, fn).toContain('lib/auth/bearer.ts');
      expect(
        atInit.filter((d) => isSdk(d) || d === 'jose'),
        fn,
      ).toEqual([]);
    }
  });

  it('the early answers load at init and stay pure: no SDK, no jose, and lib/http knows no app room', () => {
    for (const fn of ['functions/mcp.ts', 'functions/sse.ts']) {
      expect([...reach(fn, false)], fn).toContain('lib/gate/early.ts');
    }
    expect([...reach('functions/prm.ts', false)]).toContain('lib/http/head.ts');
    for (const f of ['lib/gate/early.ts', 'lib/http/head.ts']) {
      expect(
        [...reach(f)].filter((d) => isSdk(d) || d === 'jose'),
        f,
      ).toEqual([]);
    }
    // The head is built from the event's parts alone: lib/http decides what it offers, the apps what they answer.
    expect(new Set(importsOf('lib/http/head.ts'))).toEqual(new Set(['lib/web-handler.ts', 'lib/http/request.ts']));
  });

  it('doctor/ is a client: of lib/ it uses only the pure AS-discovery order and the pure auth-profile table', () => {
    const files = Object.keys(graph).filter((f) => f.startsWith('doctor/'));
    expect(files).toContain('doctor/cli.ts');
    const fromLib = files.flatMap((f) => importsOf(f).filter((d) => d.startsWith('lib/')));
    expect(fromLib.length).toBeGreaterThan(0);
    // profiles.ts is allowed so that the doctor judges a token by the very rules the server applies; both
    // files must stay import-free (plain data and pure functions), so the doctor pulls in nothing else.
    expect(new Set(fromLib)).toEqual(new Set(['lib/auth/discovery.ts', 'lib/auth/profiles.ts']));
    for (const f of ['lib/auth/discovery.ts', 'lib/auth/profiles.ts']) expect(importsOf(f), f).toEqual([]);
  });

  it('no file in lib/ is over 250 lines unless its header says why', () => {
    const long = LIB.filter((f) => {
      const text = readFileSync(path.join(ROOT, f), 'utf8');
      const lines = text.split('\n').length;
      const header = text.slice(0, text.search(/^(import|export)/m));
      return lines > 250 && !/\b250\b/.test(header);
    });
    expect(LIB.length).toBeGreaterThan(50);
    expect(long).toEqual([]);
  });

  it('the façade function reaches no MCP SDK, no lib/mcp, and the AWS SDK only lazily', () => {
    const all = [...reach('functions/facade.ts')];
    expect(all).toContain('lib/facade/index.ts');
    expect(all.filter((d) => isSdk(d) || inRoom('lib/mcp')(d))).toEqual([]);
    expect([...reach('functions/facade.ts', false)].filter((d) => d.startsWith('@aws-sdk'))).toEqual([]);
    expect(all.filter((d) => d.startsWith('@aws-sdk'))).toEqual(
      expect.arrayContaining(['@aws-sdk/lib-dynamodb', '@aws-sdk/client-secrets-manager']),
    );
    // Only lib/facade and lib/apps/facade.ts know the façade; the MCP side trusts its tokens through AUTH_ISSUER.
    const users = LIB.filter((f) => !inRoom('lib/facade')(f) && importsOf(f).some(inRoom('lib/facade')));
    expect(users).toEqual(['lib/apps/facade.ts']);
  });

  it('Secrets Manager is read in lib/secrets alone, lazily; the MCP and SSE functions reach it only lazily', () => {
    const readers = [...LIB, ...sources('functions')].filter((f) =>
      importsOf(f).includes('@aws-sdk/client-secrets-manager'),
    );
    expect(readers).toEqual(['lib/secrets/read.ts']);
    expect((graph['lib/secrets/read.ts'] ?? []).find((e) => e.path === '@aws-sdk/client-secrets-manager')?.lazy).toBe(
      true,
    );
    for (const fn of ['functions/mcp.ts', 'functions/sse.ts']) {
      expect(reach(fn)).toContain('@aws-sdk/client-secrets-manager');
      expect(reach(fn, false).has('@aws-sdk/client-secrets-manager'), fn).toBe(false);
    }
  });

  it('tasks: lib/tasks is SDK-free; Lambda durable APIs only in their modules, and /mcp reaches them only lazily', () => {
    for (const f of LIB.filter(inRoom('lib/tasks'))) {
      expect(
        importsOf(f).filter((d) => isSdk(d) || inRoom('lib/mcp')(d)),
        f,
      ).toEqual([]);
    }
    const durable = [...LIB, ...sources('functions')].filter((f) =>
      importsOf(f).some((d) => d.startsWith('@aws/durable-execution-sdk-js')),
    );
    expect(durable.sort()).toEqual(['lib/apps/task-worker.ts', 'lib/mcp/tasks/durable.ts']);
    const lambdaApi = [...LIB, ...sources('functions')].filter((f) => importsOf(f).includes('@aws-sdk/client-lambda'));
    expect(lambdaApi).toEqual(['lib/mcp/tasks/lambda.ts']);
    expect((graph['lib/mcp/tasks/lambda.ts'] ?? []).find((e) => e.path === '@aws-sdk/client-lambda')?.lazy).toBe(true);
    // The MCP function never loads the durable SDK (the worker function does) nor the Lambda API client eagerly.
    expect(reach('functions/mcp.ts').has('@aws/durable-execution-sdk-js')).toBe(false);
    expect(reach('functions/mcp.ts', false).has('@aws-sdk/client-lambda')).toBe(false);
    expect(reach('functions/task-worker.ts')).toContain('@aws/durable-execution-sdk-js');
  });

  it('the PRM function reaches neither the MCP SDK nor jose', () => {
    const all = [...reach('functions/prm.ts')];
    expect(all).toContain('lib/auth/prm.ts');
    expect(all.filter((d) => isSdk(d) || d === 'jose')).toEqual([]);
  });

  it('the PRM function reaches nothing of Cedar, not even lazily', () => {
    expect([...reach('functions/prm.ts')].filter(isCedar)).toEqual([]);
  });

  it('the 401 path loads nothing of Cedar: lib/policy and the engine load only lazily, with the MCP core', () => {
    for (const fn of ['functions/mcp.ts', 'functions/sse.ts']) {
      expect([...reach(fn)], fn).toContain('@cedar-policy/cedar-wasm/nodejs');
      expect([...reach(fn, false)].filter(isCedar), fn).toEqual([]);
    }
    // Only lib/policy/engine.ts names the engine, and only in a dynamic import (plus its types).
    const naming = LIB.filter((f) => importsOf(f).some((d) => d.startsWith('@cedar-policy/')));
    expect(naming).toEqual(['lib/policy/engine.ts']);
    expect(graph['lib/policy/engine.ts']?.every((e) => e.lazy)).toBe(true);
  });
});
