/**
 * The embedded default credential store: one JSON file, mode 0600, written
 * atomically under a cross-process lock.
 *
 * @module
 */
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { fileStamp, readJsonFile, writeJsonFile } from "./atomic-file.ts";
import type { Credential, CredentialStore } from "./credential-store.ts";
import { FileLock } from "./file-lock.ts";

interface FileShape {
  version: 1;
  credentials: Record<string, { Username: string; Secret: string }>;
}

/** Parsed credential maps already checked entry by entry. */
const validated = new WeakSet<object>();

/** Credentials in `<home>/credentials.json`. */
export class FileStore implements CredentialStore {
  readonly name = "file";
  readonly path: string;
  readonly #lock: FileLock;

  constructor(home: string) {
    this.path = join(home, "credentials.json");
    this.#lock = new FileLock(join(home, "locks"));
  }

  async get(serverURL: string): Promise<Credential | undefined> {
    const entry = (await this.#read()).credentials[serverURL];
    return entry && { ServerURL: serverURL, Username: entry.Username, Secret: entry.Secret };
  }

  store(credential: Credential): Promise<void> {
    return this.#update((data) => {
      data.credentials[credential.ServerURL] = {
        Username: credential.Username,
        Secret: credential.Secret,
      };
      return true;
    });
  }

  erase(serverURL: string): Promise<void> {
    return this.#update((data) => {
      if (!(serverURL in data.credentials)) return false;
      delete data.credentials[serverURL];
      return true;
    });
  }

  async list(): Promise<Record<string, string>> {
    const { credentials } = await this.#read();
    return Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, v.Username]));
  }

  stamp(): string | undefined {
    return fileStamp(this.path);
  }

  async #read(fresh = false): Promise<FileShape> {
    const raw = await readJsonFile(this.path, { fresh });
    if (raw === undefined) return { version: 1, credentials: {} };
    const data = raw as Partial<FileShape>;
    const creds = data?.credentials;
    if (
      typeof data !== "object" || data === null || typeof creds !== "object" || creds === null ||
      Array.isArray(creds)
    ) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `${this.path} does not look like an mcp-oauth credentials file; mcp-oauth will not overwrite it. Move it away, then retry.`,
      );
    }
    // A cached, unchanged file was checked when it was first parsed.
    if (validated.has(creds)) return { version: 1, credentials: creds };
    for (const [key, value] of Object.entries(creds)) {
      if (typeof value?.Secret !== "string" || typeof value?.Username !== "string") {
        throw new McpOAuthError(
          ErrorCode.STORE_FAILED,
          `${this.path} has a malformed entry for ${key}; repair or remove it, then retry.`,
        );
      }
    }
    if (!fresh) validated.add(creds);
    return { version: 1, credentials: creds };
  }

  #update(change: (data: FileShape) => boolean): Promise<void> {
    return this.#lock.withLock(this.path, async () => {
      const data = await this.#read(true);
      if (change(data)) await writeJsonFile(this.path, data);
    });
  }
}
