// In-process wake-ups per log key, so a waiter in this process learns of an append at once. A Map of
// Sets rather than an EventEmitter: log keys are channel and stream names, and an emitter treats the
// name "error" specially (it throws when nobody listens). A key's entry goes when its last waiter does.

export interface Wakers {
  /** Calls every waiter on `key`. */
  wake(key: string): void;
  /** Adds a waiter on `key`; returns its removal. */
  subscribe(key: string, wake: () => void): () => void;
}

/** A fresh set of wake-ups, one per log. */
export function createWakers(): Wakers {
  const byKey = new Map<string, Set<() => void>>();
  return {
    wake(key) {
      const set = byKey.get(key);
      if (set) for (const w of [...set]) w();
    },
    subscribe(key, wake) {
      let set = byKey.get(key);
      if (!set) {
        set = new Set();
        byKey.set(key, set);
      }
      const mine = set;
      mine.add(wake);
      return () => {
        mine.delete(wake);
        if (mine.size === 0 && byKey.get(key) === mine) byKey.delete(key);
      };
    },
  };
}
