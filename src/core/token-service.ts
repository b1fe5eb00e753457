/**
 * The token lifecycle of signed-in servers: a valid access token (refreshed
 * ahead of expiry under a cross-process lock, so a rotating refresh token is
 * used once), status without network requests, revocation at the AS then
 * locally, and the copy Docker's gateway shares for compat servers.
 *
 * Over 400 lines on purpose: refresh, status, revoke and a machine grant's renewal share the
 * resolved server, the lock and Docker's copy; split apart, each would need all three handed
 * around. The grant request itself is grants/grant-runner.ts, the DPoP keys dpop-keys.ts.
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine, type Remedy } from "./errors.ts";
import { recordClientAuth } from "./grants/client-auth.ts";
import type { GrantConfig, GrantEnvironment } from "./grants/grant.ts";
import { runGrant } from "./grants/grant-runner.ts";
import type { GrantStrategies } from "./grants/strategies.ts";
import type { HttpContext } from "./http-context.ts";
import { decodeJwtClaims } from "./jwt-claims.ts";
import type { Lock } from "./lock.ts";
import { oauthErrorCode } from "./oauth-errors.ts";
import type {
  CredentialStore,
  DockerMirrorPort,
  ServerDefinition,
  ServerRegistry,
} from "./ports.ts";
import {
  type ClientRecord,
  isClientRecord,
  isTokenRecord,
  readRecord,
  staticClientKey,
  tokenKey,
  type TokenRecord,
  UnreadableRecordError,
  writeRecord,
} from "./records.ts";
import { assertRecordEndpoints } from "./record-policy.ts";
import { forgetClient } from "./registration.ts";
import { splitScopes } from "./scopes.ts";
import { refreshTokenSet, revokeTokenSet, tokenState } from "./tokens.ts";
import { canonicalResource } from "./urls.ts";
import type { Discovery } from "./discover.ts";
import { type DpopKey, eraseDpopKey } from "./dpop.ts";
import { DpopKeys } from "./dpop-keys.ts";

/** Status of a server as `ls` and the dashboard show it. */
export interface ServerStatus {
  name: string;
  url: string;
  issuer?: string;
  state: "authorized" | "expired-refreshable" | "needs-authorization";
  /** Absolute expiry, ms since the epoch. */
  expiresAt?: number;
  /** When the stored token was obtained, ms since the epoch. */
  obtainedAt?: number;
  scopes: string[];
  refreshable: boolean;
  store: string;
  /** Set when the stored entry could not be read. */
  error?: string;
  /** The machine grant that renews its token without a browser (absent: a browser sign-in). */
  grant?: GrantConfig;
  /** The stored token is DPoP-bound (RFC 9449): usable only with mcp-oauth's proofs. */
  dpop?: boolean;
}

/** The result of a completed sign-in, without the token itself. */
export interface Authorized {
  server: string;
  issuer: string;
  scope?: string;
  expiresAt?: number;
  /** Set when compat "docker" could not write Docker's entries: one line saying why. */
  dockerNote?: string;
}

/** Outcome of a revocation: local delete always happens (RFC 7009 §2). */
export interface Revoked {
  server: string;
  hadToken: boolean;
  /** One line per remote failure; empty when the AS revoked everything. */
  failures: string[];
}

/**
 * A server as the token service uses it: resolved from the registry once per
 * operation (its canonical URL, the issuer its tokens are keyed by, whether
 * Docker's gateway shares it), never re-read halfway through.
 */
export interface ResolvedServer {
  name: string;
  url: string;
  /** The canonical URL (RFC 8707 §2): half of the token's store key. */
  canonical: string;
  /** The issuer the last sign-in used: the other half. */
  issuer?: string;
  /** Docker's gateway keeps a copy of its tokens. */
  compat: boolean;
  /** The definition as the registry holds it now (its grant, client id, scopes). */
  definition: ServerDefinition;
}

/** What the token service needs. */
export interface TokenServiceDeps {
  store: CredentialStore;
  servers: ServerRegistry;
  http: HttpContext;
  lock: Lock;
  now: () => number;
  /** Docker's layout for every server, not only those with compat "docker". */
  dockerCompat: boolean;
  /** Docker's gateway's copy of tokens; without it no server is shared with the gateway. */
  docker?: DockerMirrorPort;
  /** Live discovery of a server, for machine grants (the engine's, with its noted challenges). */
  discover?: (server: ServerDefinition) => Promise<Discovery>;
  /** Machine grant strategies by kind (grants/strategies.ts). */
  grants?: GrantStrategies;
  /** Environment variables and files a grant may read (an assertion). */
  environment?: GrantEnvironment;
}

/** See the module doc. */
export class TokenService {
  readonly #d: TokenServiceDeps;
  /** DPoP keys loaded by this process: each keeps its servers' nonces. */
  readonly #dpop: DpopKeys;

  constructor(deps: TokenServiceDeps) {
    this.#d = deps;
    this.#dpop = new DpopKeys(deps.store, deps.now);
  }

  /**
   * `server` resolved once: a sign-in since it was read may have learnt (or
   * changed) its issuer, so the registry is asked, once.
   */
  async resolveServer(server: ServerDefinition): Promise<ResolvedServer> {
    const current = await this.#d.servers.get(server.name);
    return {
      name: server.name,
      url: server.url,
      canonical: canonicalResource(server.url),
      issuer: current?.issuer ?? server.issuer,
      compat: !!this.#d.docker &&
        (this.#d.dockerCompat || (current ?? server).compat === "docker"),
      definition: current ?? server,
    };
  }

  /**
   * Decoded claims of the stored access token when it is a JWT (for display;
   * never the token). `undefined` for an opaque token or none.
   */
  async tokenClaims(
    server: ServerDefinition,
  ): Promise<{ hasToken: boolean; claims?: Record<string, unknown> }> {
    const record = await this.#readToken(await this.resolveServer(server));
    return { hasToken: !!record, claims: record && decodeJwtClaims(record.access_token) };
  }
  /** Scopes the stored token was granted (RFC 6750 §3.1 unions them with a challenge's). */
  async heldScopes(server: ServerDefinition): Promise<string[]> {
    const record = await this.resolveServer(server).then((r) => this.#readToken(r))
      .catch(() => undefined);
    return splitScopes(record?.scope);
  }
  /**
   * A valid access token, refreshed ahead of expiry under the lock so a
   * rotating refresh token is used once (RFC 6749 §6). Throws REAUTHORIZATION_NEEDED
   * (exit 3) when only a new sign-in helps (RFC 6749 §5.2).
   */
  async getAccessToken(server: ServerDefinition): Promise<string> {
    return (await this.#freshRecord(await this.resolveServer(server), false)).access_token;
  }
  /**
   * A valid access token and, when it is DPoP-bound, the key its proofs are made with
   * (RFC 9449 §7). A bound token whose key is gone is useless: a new sign-in is needed.
   */
  async getCredential(server: ServerDefinition): Promise<{ token: string; dpop?: DpopKey }> {
    const record = await this.#freshRecord(await this.resolveServer(server), false);
    if (record.token_type.toLowerCase() !== "dpop") return { token: record.access_token };
    const dpop = await this.#dpop.forRecord(record);
    if (!dpop) {
      throw new McpOAuthError(ErrorCode.REAUTHORIZATION_NEEDED, "", {
        fact: `The DPoP key ${server.name}'s token is bound to is no longer in the store`,
        advice: "sign in to it again",
        remedy: { do: "authorize", server: server.name, when: "reauthorize" },
      });
    }
    return { token: record.access_token, dpop };
  }
  /** Like {@link getAccessToken}, with type, expiry and scope. */
  async getTokenSet(
    server: ServerDefinition,
  ): Promise<Pick<TokenRecord, "access_token" | "token_type" | "expires_at" | "scope">> {
    const { access_token, token_type, expires_at, scope } = await this.#freshRecord(
      await this.resolveServer(server),
      false,
    );
    return { access_token, token_type, expires_at, scope };
  }
  /**
   * Refresh now, even if the token is still valid. A token issued without a
   * refresh token is kept as it is until it expires (`refreshed: false`).
   */
  async refresh(server: ServerDefinition): Promise<Authorized & { refreshed: boolean }> {
    const resolved = await this.resolveServer(server);
    const held = await this.#readToken(resolved);
    // A machine grant can always get a new token (a 401 from the server asks for one).
    if (
      held && !held.refresh_token && tokenState(held, this.#d.now()) !== "expired" &&
      !resolved.definition.grant
    ) {
      return { ...authorized(server.name, held), refreshed: false };
    }
    return { ...authorized(server.name, await this.#freshRecord(resolved, true)), refreshed: true };
  }
  /** Status for `ls` and the dashboard, without network requests. */
  async status(server: ServerDefinition): Promise<ServerStatus> {
    const base = {
      name: server.name,
      url: server.url,
      issuer: server.issuer,
      store: this.#d.store.name,
      scopes: server.scopes ?? [],
      refreshable: false,
      ...(server.grant ? { grant: server.grant } : {}),
    };
    let record: TokenRecord | undefined;
    let resolved: ResolvedServer;
    try {
      resolved = await this.resolveServer(server);
      record = await this.#readToken(resolved);
    } catch (err) {
      return {
        ...base,
        state: "needs-authorization",
        error: err instanceof Error ? err.message : String(err),
      };
    }
    if (!record) return { ...base, state: "needs-authorization" };
    // A server shared with Docker's gateway is as fresh as the newer of the two copies.
    if (resolved.compat) {
      record = await this.#d.docker!.newer(server.name, record, this.#d.now())
        .catch(() => undefined) ?? record;
    }
    const refreshable = !!record.refresh_token;
    const scopes = splitScopes(record.scope);
    const expired = tokenState(record, this.#d.now()) === "expired";
    return {
      ...base,
      scopes,
      refreshable,
      expiresAt: record.expires_at,
      obtainedAt: record.obtained_at,
      ...(record.token_type.toLowerCase() === "dpop" ? { dpop: true } : {}),
      state: !expired ? "authorized" : refreshable ? "expired-refreshable" : "needs-authorization",
    };
  }
  /**
   * Revoke at the AS (refresh token, then access token) and delete locally
   * even when the AS fails (RFC 7009 §2). `forgetClient` also drops the registration.
   */
  async revoke(
    server: ServerDefinition,
    options: { forgetClient?: boolean } = {},
  ): Promise<Revoked> {
    const resolved = await this.resolveServer(server);
    let record: TokenRecord | undefined;
    try {
      record = await this.#readToken(resolved);
    } catch (err) {
      // An unreadable record is deleted below; a store that cannot be read is not "no tokens".
      if (!(err instanceof UnreadableRecordError)) throw err;
    }
    const compat = resolved.compat;
    // Revoke the newest token of the grant, which may be the one Docker's gateway refreshed to.
    if (record && compat) {
      record = await this.#d.docker!.newer(server.name, record, this.#d.now()) ?? record;
    }
    const failures = record ? await this.#revokeRemote(record) : [];
    const issuer = record?.issuer ?? resolved.issuer;
    if (issuer) {
      await this.#d.store.erase(tokenKey(issuer, resolved.canonical));
      // Its tokens are gone: so is the key they were bound to (RFC 9449 §2).
      if (record?.dpop_jkt) await eraseDpopKey(this.#d.store, issuer, resolved.canonical);
      if (options.forgetClient) await forgetClient(this.#d.store, issuer);
    }
    if (options.forgetClient) {
      await this.#d.store.erase(staticClientKey(resolved.canonical));
    }
    if (compat) await this.#d.docker!.erase(server.name, record);
    return { server: server.name, hadToken: !!record, failures };
  }
  /** RFC 7009 at the AS, unless the record's endpoints fail the URL policy (then one failure line). */
  async #revokeRemote(record: TokenRecord): Promise<string[]> {
    try {
      assertRecordEndpoints(record, this.#d.http);
    } catch (err) {
      return [`${(err as Error).message} The tokens were deleted locally only.`];
    }
    return await revokeTokenSet(this.#d.http, record, await this.#clientCredential(record));
  }
  /**
   * Store tokens the AS has just issued, trying twice: a credential store that fails once (a
   * helper that crashed, a busy keychain) often works the second time, and these tokens exist
   * nowhere else. `message` explains a final failure from the store's own message.
   */
  async save(
    key: string,
    record: TokenRecord,
    failure: (detail: string) => { fact: string; advice: string; remedy?: Remedy },
  ): Promise<void> {
    try {
      await writeRecord(this.#d.store, key, "mcp-oauth-token", record);
    } catch {
      try {
        await writeRecord(this.#d.store, key, "mcp-oauth-token", record);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        const { fact, advice, remedy } = failure(detail);
        // The store's own words come last, after what to do.
        throw new McpOAuthError(ErrorCode.STORE_FAILED, `${fact}: ${advice} (${detail})`, {
          cause: err,
          fact,
          advice,
          remedy,
        });
      }
    }
  }
  async #readToken(server: ResolvedServer): Promise<TokenRecord | undefined> {
    if (!server.issuer) return undefined;
    const key = tokenKey(server.issuer, server.canonical);
    const record = await readRecord<TokenRecord>(this.#d.store, key, "token", isTokenRecord);
    // A record is always stored under its own key. Another key means the store answered with
    // another server's entry (a helper that matches keys loosely): never use it (RFC 6750 §2.1).
    if (record && ownKey(record) !== key) {
      throw new McpOAuthError(ErrorCode.STORE_FAILED, "", {
        fact: `The credential store ${this.#d.store.name} answered the token of ${
          oneLine(record.resource, 100)
        } when asked for ${server.name}'s (${server.url}); it was not used`,
        advice: "check the store's entries, then sign in again",
        remedy: { do: "check-store", server: server.name },
      });
    }
    return record;
  }
  /** The record's client authentication: its private key (private_key_jwt), else its secret. */
  async #clientCredential(record: TokenRecord) {
    return await recordClientAuth(this.#d.store, record) ?? await this.#clientSecret(record);
  }
  async #clientSecret(record: TokenRecord): Promise<string | undefined> {
    if (!record.secret_key) return undefined;
    const c = await readRecord<ClientRecord>(
      this.#d.store,
      record.secret_key,
      "client secret",
      isClientRecord,
    );
    return c?.client_secret;
  }
  async #freshRecord(server: ResolvedServer, force: boolean): Promise<TokenRecord> {
    // Never signed in (no issuer learnt yet) is not "sign in again": say which it is.
    const notAuthorized = () =>
      new McpOAuthError(
        ErrorCode.REAUTHORIZATION_NEEDED,
        "",
        server.issuer
          ? {
            fact: `No stored token for ${server.name}`,
            advice: "sign in to it again",
            remedy: { do: "authorize", server: server.name, when: "reauthorize" },
          }
          : {
            fact: `${server.name} is not signed in yet`,
            advice: "sign in to it first",
            remedy: { do: "authorize", server: server.name, when: "first" },
          },
      );
    const compat = server.compat;
    const grant = server.definition.grant;
    let first = await this.#readToken(server);
    // A machine grant gets a token where a person would have to sign in (never a browser).
    if (!first && grant) return await this.#obtain(server, undefined);
    if (!first) throw notAuthorized();
    // Shared with Docker's gateway: its token entry may hold a newer token (it refreshed).
    if (compat) {
      first = await this.#d.docker!.newer(server.name, first, this.#d.now()) ?? first;
    }
    const firstState = tokenState(first, this.#d.now());
    if (!force && firstState === "valid") return first;
    // Without a refresh token there is nothing to refresh ahead of expiry: the token serves
    // until it really expires, then only a sign-in helps (RFC 6749 §1.5).
    if (!force && !first.refresh_token && firstState !== "expired") return first;
    if (grant && !first.refresh_token) return await this.#obtain(server, first);
    const key = tokenKey(first.issuer, first.resource);
    return await this.#d.lock.withLock(key, async () => {
      // Another process may have refreshed while we waited for the lock.
      let current = await this.#readToken(server);
      if (!current && grant) return await this.#obtainLocked(server, key, undefined);
      if (!current) throw notAuthorized();
      // So may Docker's gateway, which rotates the refresh token: refreshing from our older copy
      // would reuse a spent refresh token and the AS would revoke the grant for both tools.
      const docker = compat &&
        await this.#d.docker!.newer(server.name, current, this.#d.now());
      if (docker) {
        await this.save(
          key,
          docker,
          () => ({
            fact: `The newer token Docker's gateway stored for ${server.name} could not be saved`,
            advice: "fix the credential store, then retry",
          }),
        );
        current = docker;
      }
      const state = tokenState(current, this.#d.now());
      if (state === "valid" && (!force || current.refresh_token !== first.refresh_token)) {
        return current;
      }
      // The endpoint comes from the store, which other programs write too: checked as if discovered.
      assertRecordEndpoints(current, this.#d.http);
      let next: TokenRecord;
      try {
        next = await refreshTokenSet(
          this.#d.http,
          current,
          await this.#clientCredential(current),
          this.#d.now,
          await this.#dpop.forRecord(current),
        );
      } catch (err) {
        if (err instanceof McpOAuthError && err.code === ErrorCode.REAUTHORIZATION_NEEDED) {
          // RFC 6749 §5.2: the grant is gone; drop the dead tokens, keep the registration,
          // unless the AS no longer knows the client itself (RFC 7591 §3).
          await this.#d.store.erase(key);
          if (oauthErrorCode(err.cause) === "invalid_client" && current.client_source === "dcr") {
            await forgetClient(this.#d.store, current.issuer);
          }
          // A machine grant needs no person: a new grant instead of a sign-in.
          if (grant) return await this.#obtainLocked(server, key, undefined);
          throw err;
        }
        // The AS is unreachable or failing: a token that has not expired yet still works.
        if (!force && state !== "expired") return current;
        throw err;
      }
      // Not inside the catch above: once the AS has rotated the refresh token, handing out the
      // old access token would hide that the stored refresh token is used up (RFC 6749 §6).
      await this.save(
        key,
        next,
        (detail) =>
          next.refresh_token && next.refresh_token !== current.refresh_token
            ? {
              fact:
                `The refreshed token for ${server.name} could not be saved, and the old refresh token is used up`,
              advice: "fix the credential store, then sign in again",
              remedy: { do: "fix-store-then-authorize", server: server.name, detail },
            }
            : {
              fact: `The refreshed token for ${server.name} could not be saved`,
              advice: "fix the credential store, then retry",
            },
      );
      if (compat) await this.#d.docker!.mirror(server.name, next);
      return next;
    });
  }
  /**
   * A new token through the server's machine grant, now (what `authorize` and a step-up do for
   * such a server): `scopes` replace the configured ones for this request.
   */
  async obtainGrant(server: ServerDefinition, scopes?: string[]): Promise<Authorized> {
    const resolved = await this.resolveServer(server);
    return authorized(server.name, await this.#obtain(resolved, undefined, scopes, true));
  }
  /**
   * Obtain a token through the grant under the same lock as a refresh (the key needs the
   * issuer, so discovery comes first), unless another process stored a newer one meanwhile.
   */
  async #obtain(
    server: ResolvedServer,
    held: TokenRecord | undefined,
    scopes?: string[],
    force = false,
  ): Promise<TokenRecord> {
    if (!this.#d.discover) throw new Error("TokenService: machine grants need discover");
    const discovery = await this.#d.discover(server.definition);
    const key = tokenKey(discovery.issuer, server.canonical);
    const atIssuer = { ...server, issuer: discovery.issuer };
    return await this.#d.lock.withLock(key, async () => {
      const current = await this.#readToken(atIssuer);
      if (
        !force && current && tokenState(current, this.#d.now()) !== "expired" &&
        current.access_token !== held?.access_token
      ) return current;
      return await this.#obtainLocked(atIssuer, key, discovery, scopes);
    });
  }
  /** The grant request itself, the lock held (grants/grant-runner.ts). */
  #obtainLocked(
    server: ResolvedServer,
    key: string,
    known: Discovery | undefined,
    scopes?: string[],
  ): Promise<TokenRecord> {
    const d = this.#d;
    return runGrant(
      {
        ...d,
        discover: d.discover!,
        dpopKeys: this.#dpop,
        save: (k, record, failure) => this.save(k, record, failure),
      },
      server,
      key,
      known,
      scopes,
    );
  }
}

/** What a sign-in or refresh tells its caller: never the token itself. */
export function authorized(server: string, r: TokenRecord): Authorized {
  return { server, issuer: r.issuer, scope: r.scope, expiresAt: r.expires_at };
}

/** The key a token record is stored under; undefined when its issuer or resource is no URL. */
function ownKey(record: TokenRecord): string | undefined {
  try {
    return tokenKey(record.issuer, record.resource);
  } catch {
    return undefined;
  }
}
