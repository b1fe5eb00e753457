/**
 * The credential store contract: exactly the Docker credential-helper
 * protocol (`store`, `get`, `erase`, `list` of {ServerURL, Username, Secret}),
 * so a file, memory, or any `docker-credential-*` program can hold secrets.
 *
 * @see https://github.com/docker/docker-credential-helpers#development
 * @module
 */

/** One entry, with the field names of the helper protocol. */
export interface Credential {
  /** An absolute URL; keychain helpers parse it. */
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** Where secrets live. Every method rejects with an McpOAuthError on failure. */
export interface CredentialStore {
  /** Shown by `ls`: "file", "memory", "helper:pass", … */
  readonly name: string;
  /** The entry for `serverURL`, or undefined when there is none. */
  get(serverURL: string): Promise<Credential | undefined>;
  /** Create or replace an entry. A failed write leaves the old entry intact. */
  store(credential: Credential): Promise<void>;
  /** Delete an entry; deleting a missing entry is not an error. */
  erase(serverURL: string): Promise<void>;
  /** ServerURL → Username of every entry. */
  list(): Promise<Record<string, string>>;
  /**
   * A cheap token that changes whenever the entries may have changed (any
   * process); absent when the store cannot tell, and then nothing is cached.
   */
  stamp?(): string | undefined;
}
