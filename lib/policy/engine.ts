// The Cedar engine (@cedar-policy/cedar-wasm, Node.js build: 4 MB of WebAssembly compiled on load). Only
// this module imports it, and only lazily, so nothing that merely names lib/policy's types pays for it.
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';

export type Cedar = typeof CedarModule;

let loading: Promise<Cedar> | undefined;

/** The engine, loaded once per process on first use. */
export function loadCedar(): Promise<Cedar> {
  loading ??= import('@cedar-policy/cedar-wasm/nodejs').then(
    (m) => ((m as unknown as { default?: Cedar }).default ?? m) as Cedar,
  );
  return loading;
}
