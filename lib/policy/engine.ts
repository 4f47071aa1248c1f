// The Cedar engine (@cedar-policy/cedar-wasm, Node.js build: 4 MB of WebAssembly compiled on load). Only
// this module imports it, and only lazily, so nothing that merely names lib/policy's types pays for it.
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';

export type Cedar = typeof CedarModule;

const ENGINE = '@cedar-policy/cedar-wasm/nodejs';
let loading: Promise<Cedar> | undefined;

/**
 * In Lambda the engine comes from CedarLayer (template.yaml) in /opt/nodejs/node_modules, which Lambda puts on
 * NODE_PATH. ES module resolution ignores NODE_PATH, CommonJS resolution honours it, and the engine's Node.js
 * build is CommonJS: so when the import finds no package, require() looks again (NODE_PATH included).
 */
async function fromNodePath(err: unknown): Promise<unknown> {
  if ((err as { code?: string })?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url)(ENGINE);
}

/** The engine, loaded once per process on first use. */
export function loadCedar(): Promise<Cedar> {
  loading ??= import('@cedar-policy/cedar-wasm/nodejs')
    .catch(fromNodePath)
    .then((m) => ((m as { default?: Cedar }).default ?? m) as Cedar);
  return loading;
}
