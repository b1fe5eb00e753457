/**
 * Mutual exclusion for refresh: a rotating refresh token must never be used
 * twice (RFC 6749 §6). The engine takes any {@link Lock}; the file store provides one
 * that works across processes.
 *
 * @module
 */

/** Run `fn` while holding the lock named `key`. */
export interface Lock {
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** A lock that serialises callers within this process only. */
export class ProcessLock implements Lock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    await prev.catch(() => {});
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
