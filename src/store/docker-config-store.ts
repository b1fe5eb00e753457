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

/** Credentials routed to Docker's helpers by the key's host. */
export class DockerConfigStore implements CredentialStore {
  readonly name: string;
  readonly #config: DockerCredentialConfig;
  readonly #helpers = new Map<string, HelperStore>();
  readonly #make: (helper: string) => HelperStore;

  constructor(
    config: DockerCredentialConfig,
    run: RunProcess,
    options: (helper: string) => HelperStoreOptions = () => ({}),
  ) {
    this.#config = config;
    this.#make = (helper) => new HelperStore(helper, run, options(helper));
    const named = [config.credsStore, ...Object.values(config.credHelpers ?? {})].filter(Boolean);
    this.name = `docker (${[...new Set(named)].join(", ") || "no helper"})`;
  }

  get(serverURL: string): Promise<Credential | undefined> {
    return this.#for(serverURL).get(serverURL);
  }

  store(credential: Credential): Promise<void> {
    return this.#for(credential.ServerURL).store(credential);
  }

  erase(serverURL: string): Promise<void> {
    return this.#for(serverURL).erase(serverURL);
  }

  async list(): Promise<Record<string, string>> {
    const names = [
      ...new Set(
        [this.#config.credsStore, ...Object.values(this.#config.credHelpers ?? {})].filter((
          x,
        ): x is string => !!x),
      ),
    ];
    const lists = await Promise.all(names.map((n) => this.#helper(n).list()));
    return Object.assign({}, ...lists);
  }

  #for(serverURL: string): HelperStore {
    let host = "";
    try {
      host = new URL(serverURL).host;
    } catch { /* not a URL: only credsStore applies */ }
    const name = this.#config.credHelpers?.[host] ?? this.#config.credsStore;
    if (!name) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `Docker's config names no credential helper for ${
          host || serverURL
        }; set "credsStore" in ${dockerConfigPath()}.`,
      );
    }
    return this.#helper(name);
  }

  #helper(name: string): HelperStore {
    let h = this.#helpers.get(name);
    if (!h) this.#helpers.set(name, h = this.#make(name));
    return h;
  }
}
