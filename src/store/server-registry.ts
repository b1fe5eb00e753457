/**
 * Server definitions (name → URL and options). Never secrets: client secrets
 * go to the credential store.
 *
 * @module
 */

/** One configured MCP server. */
export interface ServerDefinition {
  /** Unique name, or the URL itself for a server used ad hoc. */
  name: string;
  /** The MCP endpoint URL. */
  url: string;
  /** Scopes that override the spec's selection (S14). */
  scopes?: string[];
  /** A pre-registered client id (S9); its secret, if any, is in the credential store. */
  clientId?: string;
  /** Client ID Metadata Document URL (S9). */
  clientMetadataUrl?: string;
  /** Send RFC 8707 `resource`; false for servers that reject it (S13). */
  resource?: boolean;
  /** Which of PRM's authorization servers to use (S4). */
  authorizationServer?: string;
  /** Issuer learnt by the last sign-in: where its tokens are keyed. */
  issuer?: string;
  /** "docker": also keep Docker MCP gateway's credential layout for this server. */
  compat?: "docker";
  /** True when the server was used by URL without `add`. */
  adhoc?: boolean;
}

/** Where definitions live; the file implementation is in config-file.ts. */
export interface ServerRegistry {
  list(): Promise<ServerDefinition[]>;
  get(name: string): Promise<ServerDefinition | undefined>;
  /** Create or replace by name. */
  put(definition: ServerDefinition): Promise<void>;
  /** True when something was removed. */
  remove(name: string): Promise<boolean>;
  /**
   * Replace the definition `name` with what `change` makes of the current one (undefined when
   * there is none) in one step, so a change another process made in between is not lost.
   * Resolves to the definition it replaced.
   */
  upsert(
    name: string,
    change: (current: ServerDefinition | undefined) => ServerDefinition,
  ): Promise<ServerDefinition | undefined>;
  /** Changes whenever the definitions may have changed; see CredentialStore.stamp. */
  stamp?(): string | undefined;
}

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
