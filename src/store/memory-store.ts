/**
 * An in-memory {@link CredentialStore}, for tests and for one-shot use.
 *
 * @module
 */
import type { Credential, CredentialStore } from "./credential-store.ts";

/** Credentials kept in a Map; nothing touches the disk. */
export class MemoryStore implements CredentialStore {
  readonly name = "memory";
  readonly #entries = new Map<string, Credential>();

  get(serverURL: string): Promise<Credential | undefined> {
    const c = this.#entries.get(serverURL);
    return Promise.resolve(c && { ...c });
  }

  store(credential: Credential): Promise<void> {
    this.#entries.set(credential.ServerURL, { ...credential });
    return Promise.resolve();
  }

  erase(serverURL: string): Promise<void> {
    this.#entries.delete(serverURL);
    return Promise.resolve();
  }

  list(): Promise<Record<string, string>> {
    return Promise.resolve(Object.fromEntries([...this.#entries].map(([k, v]) => [k, v.Username])));
  }
}
