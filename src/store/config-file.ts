/**
 * The server registry as a JSON file under the mcp-oauth home. Holds names,
 * URLs and options, never secrets.
 *
 * @module
 */
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { readJsonFile, writeJsonFile } from "./atomic-file.ts";
import { FileLock } from "./file-lock.ts";
import type { ServerDefinition, ServerRegistry } from "./server-registry.ts";

interface ConfigShape {
  version: 1;
  servers: Record<string, Omit<ServerDefinition, "name">>;
}

/** Server definitions in `<home>/config.json`. */
export class ConfigFile implements ServerRegistry {
  readonly path: string;
  readonly #lock: FileLock;

  constructor(home: string) {
    this.path = join(home, "config.json");
    this.#lock = new FileLock(join(home, "locks"));
  }

  async list(): Promise<ServerDefinition[]> {
    const { servers } = await this.#read();
    return Object.entries(servers).map(([name, def]) => ({ ...def, name }));
  }

  async get(name: string): Promise<ServerDefinition | undefined> {
    const def = (await this.#read()).servers[name];
    return def && { ...def, name };
  }

  put(definition: ServerDefinition): Promise<void> {
    const { name, ...rest } = definition;
    return this.#update((c) => {
      c.servers[name] = rest;
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    let removed = false;
    await this.#update((c) => {
      removed = name in c.servers;
      delete c.servers[name];
      return removed;
    });
    return removed;
  }

  async #read(): Promise<ConfigShape> {
    const raw = await readJsonFile(this.path) as Partial<ConfigShape> | undefined;
    if (raw === undefined) return { version: 1, servers: {} };
    if (
      typeof raw !== "object" || raw === null || typeof raw.servers !== "object" ||
      raw.servers === null
    ) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${this.path} is not an mcp-oauth config file; repair it or move it away, then retry.`,
      );
    }
    for (const [name, def] of Object.entries(raw.servers)) {
      if (typeof def?.url !== "string") {
        throw new McpOAuthError(
          ErrorCode.STORE_FAILED,
          `${this.path}: server "${name}" has no url; repair or remove it, then retry.`,
        );
      }
    }
    return { version: 1, servers: raw.servers };
  }

  #update(change: (c: ConfigShape) => boolean): Promise<void> {
    return this.#lock.withLock(this.path, async () => {
      const c = await this.#read();
      if (change(c)) await writeJsonFile(this.path, c);
    });
  }
}
