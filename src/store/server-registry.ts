/**
 * Server definitions (name → URL and options): the registry contract is the
 * core's (src/core/ports.ts); the file implementation is config-file.ts and
 * this module keeps the in-memory one for tests.
 *
 * @module
 */
import type { ServerDefinition, ServerRegistry } from "../core/ports.ts";

export type { ServerDefinition, ServerRegistry } from "../core/ports.ts";

/** Definitions in memory, for tests. */
export class MemoryRegistry implements ServerRegistry {
  readonly #defs = new Map<string, ServerDefinition>();
  #changes = 0;
  stamp(): string {
    return String(this.#changes);
  }
  list(): Promise<ServerDefinition[]> {
    return Promise.resolve([...this.#defs.values()].map((d) => ({ ...d })));
  }
  get(name: string): Promise<ServerDefinition | undefined> {
    const d = this.#defs.get(name);
    return Promise.resolve(d && { ...d });
  }
  put(definition: ServerDefinition): Promise<void> {
    this.#defs.set(definition.name, { ...definition });
    this.#changes++;
    return Promise.resolve();
  }
  async upsert(
    name: string,
    change: (current: ServerDefinition | undefined) => ServerDefinition,
  ): Promise<ServerDefinition | undefined> {
    const current = await this.get(name);
    await this.put({ ...change(current), name });
    return current;
  }
  remove(name: string): Promise<boolean> {
    const removed = this.#defs.delete(name);
    if (removed) this.#changes++;
    return Promise.resolve(removed);
  }
}
