/**
 * The server registry as a JSON file under the mcp-oauth home. Holds names,
 * URLs and options, never secrets.
 *
 * @module
 */
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { fileStamp, readJsonFile, writeJsonFile } from "./atomic-file.ts";
import { FileLock } from "./file-lock.ts";
import type { ServerDefinition, ServerRegistry } from "./server-registry.ts";

/** Settings that apply to every server (config.json "settings"). */
export interface Settings {
  /** Default credential store: "file", "helper:NAME" or "docker". */
  store?: string;
  /** Also keep Docker MCP gateway's layout for every server (see docker-compat). */
  compat?: "docker";
  /** Per-helper secret size limits in bytes, e.g. {"wincred": 2560}. */
  helperMaxSecretBytes?: Record<string, number>;
  /** How long a credential helper may take, ms. */
  helperTimeoutMs?: number;
  /** How long one network request may take, ms (default 10 s; $MCP_OAUTH_HTTP_TIMEOUT_MS wins). */
  httpTimeoutMs?: number;
  /** Hosts metadata may send mcp-oauth to besides loopback and each server's own (SSRF guard). */
  allowedHosts?: string[];
}

interface ConfigShape {
  version: 1;
  settings?: Settings;
  servers: Record<string, Omit<ServerDefinition, "name">>;
}

/** Parsed config files already checked (readJsonFile returns the same object while unchanged). */
const validated = new WeakSet<object>();

/** Server definitions in `<home>/config.json`. */
export class ConfigFile implements ServerRegistry {
  readonly path: string;
  readonly #lock: FileLock;

  constructor(home: string) {
    this.path = join(home, "config.json");
    this.#lock = new FileLock(join(home, "locks"));
  }

  /** The global settings; an absent section means defaults. */
  async settings(): Promise<Settings> {
    const { settings } = await this.#read();
    return settings ?? {};
  }

  /** Change the global settings. */
  updateSettings(change: Partial<Settings>): Promise<void> {
    return this.#update((c) => {
      c.settings = { ...c.settings, ...change };
      return true;
    });
  }

  async list(): Promise<ServerDefinition[]> {
    const { servers } = await this.#read();
    return Object.entries(servers).map(([name, def]) => ({ ...def, name }));
  }

  async get(name: string): Promise<ServerDefinition | undefined> {
    const { servers } = await this.#read();
    // Own entries only: "constructor" or "__proto__" is no server unless the file has one.
    const def = Object.hasOwn(servers, name) ? servers[name] : undefined;
    return def && { ...def, name };
  }

  put(definition: ServerDefinition): Promise<void> {
    const { name, ...rest } = definition;
    return this.#update((c) => {
      Object.defineProperty(c.servers, name, {
        value: rest,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    let removed = false;
    await this.#update((c) => {
      removed = Object.hasOwn(c.servers, name);
      delete c.servers[name];
      return removed;
    });
    return removed;
  }

  stamp(): string | undefined {
    return fileStamp(this.path);
  }

  async #read(fresh = false): Promise<ConfigShape> {
    const raw = await readJsonFile(this.path, { fresh }) as Partial<ConfigShape> | undefined;
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
    const shape: ConfigShape = { version: 1, settings: raw.settings, servers: raw.servers };
    // A cached, unchanged file was checked when it was first parsed.
    if (validated.has(raw)) return shape;
    for (const [name, def] of Object.entries(raw.servers)) {
      if (typeof def?.url !== "string") {
        throw new McpOAuthError(
          ErrorCode.STORE_FAILED,
          `${this.path}: server "${name}" has no url; repair or remove it, then retry.`,
        );
      }
    }
    if (
      raw.settings !== undefined &&
      (typeof raw.settings !== "object" || raw.settings === null || Array.isArray(raw.settings))
    ) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${this.path}: "settings" must be an object; repair it, then retry.`,
      );
    }
    if (!fresh) validated.add(raw);
    return shape;
  }

  #update(change: (c: ConfigShape) => boolean): Promise<void> {
    return this.#lock.withLock(this.path, async () => {
      const c = await this.#read(true);
      if (change(c)) await writeJsonFile(this.path, c);
    });
  }
}
