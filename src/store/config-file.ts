/**
 * The server registry as a JSON file under the mcp-oauth home. Holds names,
 * URLs and options, never secrets.
 *
 * @module
 */
import { join } from "node:path";
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import { fileStamp, readJsonFile, writeJsonFile } from "./atomic-file.ts";
import { FileLock } from "./file-lock.ts";
import type { ServerDefinition, ServerRegistry } from "./server-registry.ts";
import { isGrantConfig } from "../core/grants/grant.ts";

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

  async put(definition: ServerDefinition): Promise<void> {
    await this.upsert(definition.name, () => definition);
  }

  async upsert(
    name: string,
    change: (current: ServerDefinition | undefined) => ServerDefinition,
  ): Promise<ServerDefinition | undefined> {
    let previous: ServerDefinition | undefined;
    await this.#update((c) => {
      const def = Object.hasOwn(c.servers, name) ? c.servers[name] : undefined;
      previous = def && { ...def, name };
      const { name: _, ...rest } = change(previous);
      Object.defineProperty(c.servers, name, {
        value: rest,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return true;
    });
    return previous;
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

  /** Keys of "settings" this version does not know (a typo such as "stroe" is otherwise silent). */
  async unknownSettings(): Promise<string[]> {
    const { settings } = await this.#read();
    return Object.keys(settings ?? {}).filter((k) => !SETTINGS.has(k));
  }

  async #read(fresh = false): Promise<ConfigShape> {
    const raw = await readJsonFile(this.path, { fresh }) as Partial<ConfigShape> | undefined;
    if (raw === undefined) return { version: 1, servers: {} };
    if (
      typeof raw !== "object" || raw === null || Array.isArray(raw) ||
      typeof raw.servers !== "object" || raw.servers === null || Array.isArray(raw.servers)
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
          `${this.path}: server "${
            oneLine(name, 80)
          }" has no url; repair or remove it, then retry.`,
        );
      }
      const bad = badServerField(def as Record<string, unknown>);
      if (bad) {
        throw new McpOAuthError(
          ErrorCode.STORE_FAILED,
          `${this.path}: server "${
            oneLine(name, 80)
          }" has a "${bad.field}" that is not ${bad.want}; repair or remove it, then retry.`,
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
    const bad = raw.settings && badSetting(raw.settings as Record<string, unknown>);
    if (bad) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${this.path}: "${bad.field}" in "settings" must be ${bad.want}; repair it, then retry.`,
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

/** The settings this version knows, in the order the warning about unknown ones lists them. */
export const KNOWN_SETTINGS: readonly string[] = [
  "store",
  "compat",
  "helperMaxSecretBytes",
  "helperTimeoutMs",
  "httpTimeoutMs",
  "allowedHosts",
];
const SETTINGS = new Set(KNOWN_SETTINGS);

const isString = (v: unknown) => typeof v === "string";

/** A timeout setting: whole milliseconds from 100 ms to 10 minutes. */
export function isTimeoutMs(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 100 && v <= 600_000;
}

/** The first optional field of a server definition with the wrong type, if any. */
function badServerField(def: Record<string, unknown>): { field: string; want: string } | undefined {
  const checks: [string, (v: unknown) => boolean, string][] = [
    ["scopes", (v) => Array.isArray(v) && v.every(isString), "a list of strings"],
    ["clientId", isString, "a string"],
    ["clientMetadataUrl", isString, "a string"],
    ["authorizationServer", isString, "a string"],
    ["issuer", isString, "a string"],
    ["resource", (v) => typeof v === "boolean", "true or false"],
    ["adhoc", (v) => typeof v === "boolean", "true or false"],
    ["dpop", (v) => typeof v === "boolean", "true or false"],
    ["compat", (v) => v === "docker", '"docker"'],
    [
      "grant",
      isGrantConfig,
      'a grant such as {"kind": "client_credentials", "auth": "client_secret_basic"}',
    ],
  ];
  for (const [field, ok, want] of checks) {
    if (Object.hasOwn(def, field) && def[field] !== undefined && !ok(def[field])) {
      return { field, want };
    }
  }
  return undefined;
}

/**
 * The first setting of config-file.ts's own with the wrong type, if any (httpTimeoutMs and
 * allowedHosts are checked where they are used).
 */
function badSetting(
  settings: Record<string, unknown>,
): { field: string; want: string } | undefined {
  const checks: [string, (v: unknown) => boolean, string][] = [
    [
      "store",
      (v) => typeof v === "string" && /^(file|docker|helper:.+)$/.test(v),
      'one of "file", "docker" or "helper:NAME" (e.g. "helper:pass")',
    ],
    ["compat", (v) => v === "docker", '"docker"'],
    [
      "helperMaxSecretBytes",
      (v) =>
        typeof v === "object" && v !== null && !Array.isArray(v) &&
        Object.values(v).every((n) => typeof n === "number"),
      'an object of byte counts per helper, e.g. {"wincred": 2560}',
    ],
    ["helperTimeoutMs", isTimeoutMs, "a whole number of milliseconds from 100 to 600000"],
    ["httpTimeoutMs", isTimeoutMs, "a whole number of milliseconds from 100 to 600000"],
    [
      "allowedHosts",
      (v) => Array.isArray(v) && v.every((h) => typeof h === "string" && h !== ""),
      'a list of host names, e.g. ["auth.example.com"]',
    ],
  ];
  for (const [field, ok, want] of checks) {
    if (Object.hasOwn(settings, field) && settings[field] !== undefined && !ok(settings[field])) {
      return { field, want };
    }
  }
  return undefined;
}
