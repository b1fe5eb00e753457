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
  #writes = 0;

  get(serverURL: string): Promise<Credential | undefined> {
    const c = this.#entries.get(serverURL);
    return Promise.resolve(c && { ...c });
  }

  store(credential: Credential): Promise<void> {
    this.#entries.set(credential.ServerURL, { ...credential });
    this.#writes++;
    return Promise.resolve();
  }

  erase(serverURL: string): Promise<void> {
    if (this.#entries.delete(serverURL)) this.#writes++;
    return Promise.resolve();
  }

  stamp(): string {
    return String(this.#writes);
  }

  list(): Promise<Record<string, string>> {
    return Promise.resolve(Object.fromEntries([...this.#entries].map(([k, v]) => [k, v.Username])));
  }
}
