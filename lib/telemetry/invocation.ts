// Per-invocation log keys (Powertools names: function_request_id, function_name, function_version,
// cold_start), carried in an AsyncLocalStorage so that every line written while an invocation runs, from
// any module and across awaits and stream callbacks, names it. A per-instance "current context" (Powertools'
// addContext) would mislabel lines when one process serves several requests at once, as the local host does.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What lib/http's InvocationContext already carries; structural, so no Lambda type is needed. */
export interface InvocationIds {
  requestId: string;
  functionName: string;
  functionVersion: string;
}

/** The keys added to every line of an invocation. */
export interface InvocationKeys {
  function_request_id: string;
  function_name: string;
  function_version: string;
  cold_start: boolean;
}

const store = new AsyncLocalStorage<InvocationKeys>();
let coldStart = true;
const starts = new Set<() => void>();

/**
 * Runs `fn` (the whole invocation: handler and response stream) with its ids attached to every log line.
 * The first invocation of the process is the cold start.
 */
export function withInvocation<T>(ids: InvocationIds, fn: () => T): T {
  const keys: InvocationKeys = {
    function_request_id: ids.requestId,
    function_name: ids.functionName,
    function_version: ids.functionVersion,
    cold_start: coldStart,
  };
  coldStart = false;
  for (const start of starts) start();
  return store.run(keys, fn);
}

/** The keys of the invocation this code runs in, if any. */
export function invocationKeys(): InvocationKeys | undefined {
  return store.getStore();
}

/** Calls `listener` at the start of every invocation (the logger re-draws its debug sample here). */
export function onInvocationStart(listener: () => void): () => void {
  starts.add(listener);
  return () => starts.delete(listener);
}
