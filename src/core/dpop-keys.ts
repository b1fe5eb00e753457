/**
 * The DPoP keys one process has loaded, by store key, so each keeps the nonces its servers
 * and authorization servers handed out (RFC 9449 §8, §9) for the life of the process.
 *
 * @module
 */
import type { Discovery } from "./discover.ts";
import { dpopBinding, type DpopKey, ensureDpopKey, loadDpopKey } from "./dpop.ts";
import type { CredentialStore, ServerDefinition } from "./ports.ts";
import { dpopKeyKey, type TokenRecord } from "./records.ts";

/** See the module doc. */
export class DpopKeys {
  readonly #keys = new Map<string, DpopKey>();
  readonly #store: CredentialStore;
  readonly #now: () => number;

  constructor(store: CredentialStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * The server's key for a token request without a browser (a machine grant), created when the
   * AS advertises DPoP, the server challenged with it, or the person required it; undefined
   * for Bearer tokens.
   * @see https://datatracker.ietf.org/doc/html/rfc9449#section-5
   */
  async forGrant(
    server: { canonical: string },
    definition: ServerDefinition,
    discovery: Discovery,
  ): Promise<DpopKey | undefined> {
    const binding = dpopBinding(definition, discovery);
    if (!binding) return undefined;
    const key = await ensureDpopKey(
      this.#store,
      discovery.issuer,
      server.canonical,
      binding.alg,
      binding.acceptable,
      this.#now(),
    );
    this.#keys.set(dpopKeyKey(discovery.issuer, server.canonical), key);
    return key;
  }

  /**
   * The key a token record is bound to, if the store still has it: undefined for a Bearer
   * token, or when the key was replaced or deleted (the token is then useless).
   * @see https://datatracker.ietf.org/doc/html/rfc9449#section-6.1
   */
  async forRecord(record: TokenRecord): Promise<DpopKey | undefined> {
    if (!record.dpop_jkt) return undefined;
    const key = dpopKeyKey(record.issuer, record.resource);
    let dpop = this.#keys.get(key);
    if (dpop?.jkt !== record.dpop_jkt) {
      dpop = await loadDpopKey(this.#store, record.issuer, record.resource);
      if (dpop) this.#keys.set(key, dpop);
    }
    return dpop?.jkt === record.dpop_jkt ? dpop : undefined;
  }
}
