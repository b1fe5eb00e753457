/**
 * `--store docker`: the credential helper Docker itself uses, read from
 * $DOCKER_CONFIG/config.json (default ~/.docker/config.json): `credHelpers`
 * for the key's host first, then `credsStore`.
 *
 * @see https://docs.docker.com/reference/cli/docker/login/#credential-stores
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import type { Credential, CredentialStore } from "./credential-store.ts";
import { HelperStore, type HelperStoreOptions, type RunProcess } from "./helper-store.ts";

/** The part of Docker's config.json that names credential helpers. */
export interface DockerCredentialConfig {
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Path of Docker's config.json. */
export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), ".docker"), "config.json");
}

/** Read the helper settings of Docker's config.json; a missing file means none. */
export async function readDockerConfig(path: string): Promise<DockerCredentialConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return {};
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `Cannot read ${path} (${(err as Error).message}).`,
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `${path} is not valid JSON; fix it (Docker reads it too), then retry.`,
    );
  }
  const c = (parsed ?? {}) as Record<string, unknown>;
  const credsStore = typeof c.credsStore === "string" && c.credsStore ? c.credsStore : undefined;
  const credHelpers = c.credHelpers && typeof c.credHelpers === "object"
    ? Object.fromEntries(
      Object.entries(c.credHelpers as Record<string, unknown>).filter(([, v]) =>
        typeof v === "string" && v
      ),
    ) as Record<string, string>
    : undefined;
  return { credsStore, credHelpers };
}

/** True when the config names any helper. */
export function hasHelpers(config: DockerCredentialConfig): boolean {
  return !!config.credsStore || Object.keys(config.credHelpers ?? {}).length > 0;
}

/**
 * Credentials routed to Docker's helpers by the key's host; keys no helper
 * covers (only `credHelpers` configured, none for that host) go to `fallback`.
 */
export class DockerConfigStore implements CredentialStore {
  readonly name: string;
  readonly #config: DockerCredentialConfig;
  readonly #path: string;
  readonly #fallback: CredentialStore;
  readonly #helpers = new Map<string, HelperStore>();
  readonly #make: (helper: string) => HelperStore;

  constructor(
    config: DockerCredentialConfig,
    run: RunProcess,
    options: {
      path: string;
      fallback: CredentialStore;
      helperOptions?: (helper: string) => HelperStoreOptions;
    },
  ) {
    this.#config = config;
    this.#path = options.path;
    this.#fallback = options.fallback;
    this.#make = (helper) => new HelperStore(helper, run, options.helperOptions?.(helper) ?? {});
    const named = [config.credsStore, ...Object.values(config.credHelpers ?? {})].filter(Boolean);
    this.name = `docker (${[...new Set(named)].join(", ")})`;
  }

  async get(serverURL: string): Promise<Credential | undefined> {
    return await this.#for(serverURL).get(serverURL);
  }

  async store(credential: Credential): Promise<void> {
    await this.#for(credential.ServerURL).store(credential);
  }

  async erase(serverURL: string): Promise<void> {
    await this.#for(serverURL).erase(serverURL);
  }

  /**
   * Entries of credsStore (whose failure is an error), of the credHelpers
   * (a missing one is skipped: they serve other hosts), and of the fallback.
   */
  async list(): Promise<Record<string, string>> {
    const main = this.#config.credsStore;
    const others = [...new Set(Object.values(this.#config.credHelpers ?? {}))].filter((n) =>
      n !== main
    );
    const lists = await Promise.all([
      main ? this.#helper(main).list() : this.#fallback.list(),
      ...others.map((n) => this.#helper(n).list().catch(() => ({}))),
    ]);
    return Object.assign({}, ...lists);
  }

  #for(serverURL: string): CredentialStore {
    let host = "";
    try {
      host = new URL(serverURL).host;
    } catch { /* not a URL: only credsStore applies */ }
    const name = this.#config.credHelpers?.[host] ?? this.#config.credsStore;
    return name ? this.#helper(name) : this.#fallback;
  }

  #helper(name: string): HelperStore {
    let h = this.#helpers.get(name);
    if (!h) this.#helpers.set(name, h = this.#make(name));
    return h;
  }

  /** The helper `credsStore` names, the only one Docker's MCP gateway reads; undefined without one. */
  get credsStore(): string | undefined {
    return this.#config.credsStore;
  }

  /** The config.json these settings came from. */
  get path(): string {
    return this.#path;
  }
}
