// Reads template.yaml (the single source of truth) into the function table the local host serves.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { yamlParse } from 'yaml-cfn';

export interface RouteSpec {
  method: string; // 'ANY' or an HTTP method
  path: string; // exact path, or a prefix when `prefix` is true
  prefix: boolean;
}

export interface FunctionSpec {
  logicalId: string;
  /** e.g. 'mcp' for Handler functions/mcp.handler */
  name: string;
  entry: string; // functions/mcp.ts
  exportName: string; // handler
  timeoutSec: number;
  memoryMb: number;
  routes: RouteSpec[];
  streaming: boolean;
  /** Metadata.BuildProperties: the esbuild settings SAM uses, which scripts/build.ts applies too. */
  buildProperties: Record<string, unknown>;
}

interface RawTemplate {
  Globals?: { Function?: { Timeout?: number; MemorySize?: number } };
  Resources?: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
}

export function parseRoute(spec: string): RouteSpec {
  const m = /^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)$/.exec(spec.trim());
  if (!m) throw new Error(`template.yaml: bad route "${spec}" (expected "METHOD /path" or "METHOD /prefix/*")`);
  const raw = m[2]!;
  const prefix = raw.endsWith('/*');
  return { method: m[1]!, path: prefix ? raw.slice(0, -1) : raw, prefix };
}

export function loadTemplate(file: string): FunctionSpec[] {
  const doc = yamlParse(readFileSync(file, 'utf8')) as RawTemplate;
  const globals = doc.Globals?.Function ?? {};
  const out: FunctionSpec[] = [];
  for (const [logicalId, res] of Object.entries(doc.Resources ?? {})) {
    if (res.Type !== 'AWS::Serverless::Function') continue;
    // A function without Routes is not served over HTTP (the task worker: locally tasks run in the host's process).
    if (!res.Metadata?.Routes) continue;
    const props = res.Properties ?? {};
    const handler = String(props.Handler ?? '');
    const hm = /^(.+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
    if (!hm) throw new Error(`template.yaml: ${logicalId} has no Handler of the form path/file.export`);
    const routes = ((res.Metadata?.Routes as string[] | undefined) ?? []).map(parseRoute);
    const fnUrl = props.FunctionUrlConfig as { InvokeMode?: string } | undefined;
    out.push({
      logicalId,
      name: path.basename(hm[1]!),
      entry: `${hm[1]}.ts`,
      exportName: hm[2]!,
      timeoutSec: Number(props.Timeout ?? globals.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? globals.MemorySize ?? 128),
      routes,
      streaming: fnUrl?.InvokeMode === 'RESPONSE_STREAM',
      buildProperties: (res.Metadata?.BuildProperties as Record<string, unknown> | undefined) ?? {},
    });
  }
  return out;
}

/** Pure: the function that serves method+path, exact routes before prefixes, longest prefix first. */
export function matchRoute(fns: readonly FunctionSpec[], method: string, pathname: string): FunctionSpec | undefined {
  let best: { fn: FunctionSpec; score: number } | undefined;
  for (const fn of fns) {
    for (const r of fn.routes) {
      if (r.method !== 'ANY' && r.method !== method) continue;
      const hit = r.prefix ? pathname.startsWith(r.path) : pathname === r.path;
      if (!hit) continue;
      const score = r.prefix ? r.path.length : 1e6;
      if (!best || score > best.score) best = { fn, score };
    }
  }
  return best?.fn;
}
