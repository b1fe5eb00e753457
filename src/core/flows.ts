/**
 * Authorization requests waiting for their callback, keyed by `state`:
 * single use and expiring (RFC 6749 §10.12).
 *
 * @module
 */
import type { AuthorizationServerMetadata } from "./discover.ts";
import type { ClientRecord } from "./records.ts";

/** What must be remembered between the redirect and the callback (RFC 6749 §10.12; RFC 9207 §2.4). */
export interface PendingAuthorization {
  /** The state the callback carries (single use, RFC 6749 §10.12). */
  state: string;
  /** The state sent to the AS when it differs: a relay's `mcp-oauth:PORT:NONCE`. */
  sentState?: string;
  codeVerifier: string;
  redirectUri: string;
  /** The issuer the request went to; the callback's `iss` must equal it (RFC 9207 §2.4). */
  issuer: string;
  as: AuthorizationServerMetadata;
  client: ClientRecord;
  /** The server's canonical URL: the token is stored under it. */
  resource: string;
  /** The RFC 8707 `resource` sent: the PRM's `resource` byte for byte, else `resource`. */
  resourceIndicator: string;
  sendResource: boolean;
  scopes: string[];
  /** The server name the token is stored for. */
  server: string;
  /** Absolute expiry of the request, ms since the epoch. */
  expiresAt: number;
  /**
   * Bind the tokens to the server's DPoP key (RFC 9449 §5): the proof algorithm, the ones the
   * AS accepts, and whether the person required DPoP (a Bearer answer then fails the sign-in).
   */
  dpop?: { alg: string; acceptable: string[]; required: boolean };
}

/** The pending requests of this process. */
export class AuthorizationFlows {
  readonly #pending = new Map<string, PendingAuthorization>();
  #changes = 0;

  /** Grows with every change, so a view built from these flows knows when it is stale. */
  get version(): number {
    return this.#changes;
  }

  /** Remember a request until its callback or its expiry. */
  add(pending: PendingAuthorization): void {
    this.#pending.set(pending.state, pending);
    this.#changes++;
  }

  /**
   * Remove and return the request for `state` if it exists and has not
   * expired: a state can be used once only (RFC 6749 §10.12).
   */
  take(state: string, now: number): PendingAuthorization | undefined {
    const p = this.#pending.get(state);
    if (this.#pending.delete(state)) this.#changes++;
    this.#sweep(now);
    return p && p.expiresAt > now ? p : undefined;
  }

  /** The server a live request was made for, without using up its state. */
  serverOf(state: string, now: number): string | undefined {
    const p = this.#pending.get(state);
    return p && p.expiresAt > now ? p.server : undefined;
  }

  /** Pending requests for a server, e.g. to show "sign-in waiting". */
  forServer(server: string, now: number): PendingAuthorization[] {
    this.#sweep(now);
    return [...this.#pending.values()].filter((p) => p.server === server);
  }

  #sweep(now: number): void {
    for (const [state, p] of this.#pending) {
      if (p.expiresAt <= now && this.#pending.delete(state)) this.#changes++;
    }
  }
}
