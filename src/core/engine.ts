/**
 * The engine: one object that signs in to MCP servers and hands out fresh
 * tokens, over any credential store and server registry. It uses only fetch,
 * URL and WebCrypto (through oauth4webapi): no runtime APIs.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import type { CredentialStore, ServerDefinition, ServerRegistry } from "./ports.ts";
import { type AuthFetchOptions, createAuthFetch } from "./auth-fetch.ts";
import { assertPkceS256, authorizationUrl, completeAuthorization } from "./authorization.ts";
import { type DeviceAuthorization, startDeviceAuthorization } from "./device.ts";
import {
  DOCKER_REDIRECT_URI,
  type DockerServer,
  eraseDockerMirror,
  mirrorToDocker,
  newerDockerToken,
  readDockerServers,
} from "./docker-compat.ts";
import { type DockerImport, importDockerServers } from "./docker-import.ts";
import { discover, type Discovery } from "./discover.ts";
import { RequestPolicy } from "./request-policy.ts";
import { relayState } from "./sign-in-service.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import { decodeJwtClaims } from "./jwt-claims.ts";
import { AuthorizationFlows, type PendingAuthorization } from "./flows.ts";
import type { FetchLike, HttpLimits } from "./http.ts";
import { createHttpContext, type HttpContext } from "./http-context.ts";
import { type Lock, ProcessLock } from "./lock.ts";
import {
  clientKey,
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
import { oauthErrorCode } from "./oauth-errors.ts";
import { assertRecordEndpoints } from "./record-policy.ts";
import { ensureClient, forgetClient } from "./registration.ts";
import { selectScopes, splitScopes } from "./scopes.ts";
import {
  SERVER_NAME,
  type ServerInput,
  serverUrlArgument,
  validateServerInput,
} from "./server-input.ts";
import { refreshTokenSet, revokeTokenSet, tokenState } from "./tokens.ts";
import { authorizationServerMetadataUrls, canonicalResource } from "./urls.ts";
import type { BearerChallenge } from "./www-authenticate.ts";

/** What `createEngine` needs. Only `store` and `servers` are required. */
export interface EngineOptions {
  store: CredentialStore;
  servers: ServerRegistry;
  /** Cross-process lock for refresh; defaults to an in-process one. */
  lock?: Lock;
  fetch?: FetchLike;
  limits?: Partial<HttpLimits>;
  /** Allow plain http to non-loopback hosts (S24). Development only. */
  allowInsecureHttp?: boolean;
  /** Hosts metadata may point at besides loopback and the server's own (SSRF guard). */
  allowedHosts?: readonly string[];
  /** Client name sent in registrations. */
  clientName?: string;
  /** How long an authorization request stays valid, ms (S15). */
  authorizationTtlMs?: number;
  /** Keep Docker MCP gateway's credential layout for every server, not only those with compat "docker". */
  dockerCompat?: boolean;
  now?: () => number;
}

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
}

/** Options of {@link Engine.beginAuthorization}. */
export interface BeginOptions {
  redirectUri: string;
  /** Overrides the configured and selected scopes. */
  scopes?: string[];
  clientId?: string;
  clientSecret?: string;
  /** Overrides the server's Client ID Metadata Document URL. */
  clientMetadataUrl?: string;
  /** The scopes come from a step-up (S22), not from the user: do not remember them. */
  stepUp?: boolean;
  /**
   * `redirectUri` is a relay that forwards to this loopback port: send the
   * state as `mcp-oauth:PORT:NONCE` (the relay hands back the bare nonce).
   */
  relayPort?: number;
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

/** Outcome of a revocation: local delete always happens (S23). */
export interface Revoked {
  server: string;
  hadToken: boolean;
  /** One line per remote failure; empty when the AS revoked everything. */
  failures: string[];
}

/** Create an engine. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/** See {@link createEngine}. */
export class Engine {
  readonly store: CredentialStore;
  readonly servers: ServerRegistry;
  readonly http: HttpContext;
  readonly flows: AuthorizationFlows = new AuthorizationFlows();
  readonly #lock: Lock;
  readonly #now: () => number;
  readonly #clientName: string;
  readonly #ttl: number;
  readonly #dockerCompat: boolean;
  readonly #challenges = new Map<string, { challenge: BearerChallenge; at: number }>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.servers = options.servers;
    this.http = createHttpContext(options.fetch, {
      limits: options.limits,
      allowInsecureHttp: options.allowInsecureHttp,
      allowedHosts: options.allowedHosts,
    });
    this.#lock = options.lock ?? new ProcessLock();
    this.#now = options.now ?? Date.now;
    this.#clientName = options.clientName ?? "mcp-oauth";
    this.#ttl = options.authorizationTtlMs ?? 10 * 60_000;
    this.#dockerCompat = options.dockerCompat ?? false;
  }

  /**
   * A configured server by name, or an ad-hoc one for a URL (matching a
   * configured server with the same URL first).
   */
  async resolve(nameOrUrl: string): Promise<ServerDefinition> {
    const byName = await this.servers.get(nameOrUrl);
    if (byName) return byName;
    if (/^[a-z][a-z0-9+.-]*:/i.test(nameOrUrl)) {
      const canonical = canonicalResource(serverUrlArgument(nameOrUrl));
      const all = await this.servers.list();
      return all.find((d) => canonicalResource(d.url) === canonical) ??
        { name: canonical, url: nameOrUrl, adhoc: true };
    }
    if (!SERVER_NAME.test(nameOrUrl)) {
      throw new McpOAuthError(
        ErrorCode.USAGE,
        `"${
          oneLine(nameOrUrl, 80)
        }" is neither a server name nor a URL: names use letters, digits, ".", "_" or "-", URLs start with https://.`,
      );
    }
    throw new McpOAuthError(
      ErrorCode.UNKNOWN_SERVER,
      `No server named "${nameOrUrl}"; add it with "mcp-oauth add ${nameOrUrl} <url>" or pass the server's URL.`,
    );
  }

  /**
   * Live discovery for a server (S1–S8). A challenge authFetch noted for it
   * in the last minute stands in for the unauthenticated probe.
   */
  discover(server: ServerDefinition): Promise<Discovery> {
    const noted = this.#challenges.get(server.name);
    this.#challenges.delete(server.name);
    const challenge = noted && noted.at > this.#now() - 60_000 ? noted.challenge : undefined;
    return discover(this.http, server.url, {
      authorizationServer: server.authorizationServer,
      challenge,
    });
  }

  /**
   * Remember the Bearer challenge of a refused MCP request, for the sign-in
   * it leads to: its scope is the one to ask for (S14), and the request it
   * answered was as good as the discovery probe.
   */
  noteChallenge(server: ServerDefinition, challenge: BearerChallenge): void {
    this.#challenges.set(server.name, { challenge, at: this.#now() });
  }

  /**
   * The redirect URIs of the stored registration for this AS, so the caller
   * can listen on one of those ports and avoid registering again (S11).
   */
  async rememberedRedirectUris(discovery: Discovery): Promise<string[]> {
    const known = await readRecord<ClientRecord>(
      this.store,
      clientKey(discovery.issuer),
      "client registration",
      isClientRecord,
    )
      .catch(() => undefined);
    return known?.redirect_uris ?? [];
  }

  /**
   * Register or reuse a client and build the authorization URL; the request
   * waits in {@link flows} until {@link completeAuthorization}.
   */
  async beginAuthorization(
    server: ServerDefinition,
    discovery: Discovery,
    options: BeginOptions,
  ): Promise<{ url: URL; state: string }> {
    assertPkceS256(discovery.as);
    const { client, scopes } = await this.#prepare(server, discovery, options, false);
    const state = oauth.generateRandomState();
    const pending: PendingAuthorization = {
      state,
      sentState: options.relayPort ? relayState(options.relayPort, state) : undefined,
      codeVerifier: oauth.generateRandomCodeVerifier(),
      redirectUri: options.redirectUri,
      issuer: discovery.issuer,
      as: discovery.as,
      client,
      resource: discovery.resource,
      resourceIndicator: discovery.resourceIndicator,
      sendResource: server.resource !== false,
      scopes,
      server: server.name,
      expiresAt: this.#now() + this.#ttl,
    };
    this.flows.add(pending);
    return { url: await authorizationUrl(pending), state: pending.state };
  }

  /**
   * Start a device sign-in (RFC 8628): show `userCode` and `verificationUri`
   * to the person, then `wait()` stores the tokens once they approve.
   */
  async beginDeviceAuthorization(
    server: ServerDefinition,
    discovery: Discovery,
    options: Omit<BeginOptions, "redirectUri">,
  ): Promise<
    Omit<DeviceAuthorization, "poll"> & { wait(signal?: AbortSignal): Promise<Authorized> }
  > {
    const redirectUri = (await this.rememberedRedirectUris(discovery))[0] ??
      "http://127.0.0.1/callback";
    const { client, scopes } = await this.#prepare(
      server,
      discovery,
      { ...options, redirectUri },
      true,
    );
    const device = await startDeviceAuthorization(this.http, {
      as: discovery.as,
      client,
      resource: discovery.resource,
      resourceIndicator: discovery.resourceIndicator,
      sendResource: server.resource !== false,
      scopes,
      now: this.#now,
    });
    const { poll, ...shown } = device;
    return {
      ...shown,
      wait: async (signal) => this.#storeTokens(server.name, client, await poll(signal)),
    };
  }

  /** The client and scopes of a sign-in; remembers the issuer and any --scopes given. */
  async #prepare(
    server: ServerDefinition,
    discovery: Discovery,
    options: BeginOptions,
    device: boolean,
  ) {
    const staticClient = await this.#staticClient(server, discovery, options);
    const client = await ensureClient(this.http, this.store, {
      as: discovery.as,
      redirectUri: options.redirectUri,
      staticClient,
      clientMetadataUrl: options.clientMetadataUrl ?? server.clientMetadataUrl,
      clientName: this.#clientName,
      now: this.#now(),
      trace: discovery.trace,
      device,
      policy: discovery.policy,
      // A server shared with Docker's gateway: the client mcp-oauth writes into Docker's entry
      // must also serve `docker mcp oauth authorize`, which signs in through Docker's redirect.
      alsoRedirectUris: (await this.#compat(server.name)) ? [DOCKER_REDIRECT_URI] : undefined,
    });
    const scopes = selectScopes({
      configured: options.scopes ?? server.scopes,
      challenge: discovery.challenge?.scope,
      prm: discovery.prm,
      as: discovery.as,
    });
    // Remember where this server's tokens are keyed, and the user's scopes (S14).
    await this.servers.put({
      ...server,
      issuer: discovery.issuer,
      ...(options.scopes && !options.stepUp ? { scopes: options.scopes } : {}),
    });
    return { client, scopes };
  }

  /**
   * Handle the redirect back from the AS: find the request by `state` (single
   * use, S15), check `iss` (S16), exchange the code and store the tokens.
   */
  async completeAuthorization(callback: URL | URLSearchParams | string): Promise<Authorized> {
    const params = callback instanceof URLSearchParams ? callback : callbackParams(callback);
    const states = params.getAll("state");
    const pending = states.length === 1 ? this.flows.take(states[0]!, this.#now()) : undefined;
    if (!pending) {
      throw new McpOAuthError(
        ErrorCode.STATE_MISMATCH,
        `The callback's state is ${
          states.length === 0
            ? "missing"
            : states.length > 1
            ? "repeated"
            : "unknown, already used or expired"
        }; nothing was stored. Start the sign-in again.`,
      );
    }
    let record: TokenRecord;
    try {
      record = await completeAuthorization(this.http, pending, params, this.#now);
    } catch (err) {
      const rejected = err instanceof McpOAuthError &&
        err.code === ErrorCode.TOKEN_REQUEST_FAILED &&
        oauthErrorCode(err.cause) === "invalid_client";
      if (rejected && pending.client.source === "dcr") {
        // S11: the AS no longer knows this client; the next sign-in registers anew.
        await forgetClient(this.store, pending.issuer);
        throw new McpOAuthError(
          ErrorCode.CLIENT_REJECTED,
          `${pending.issuer} rejected the registered client (invalid_client); it was forgotten, so the next sign-in registers a new one.`,
          { cause: err },
        );
      }
      throw err;
    }
    return await this.#storeTokens(pending.server, pending.client, record);
  }

  async #storeTokens(
    server: string,
    client: ClientRecord,
    record: TokenRecord,
  ): Promise<Authorized> {
    if (client.client_secret) {
      record.secret_key = client.source === "dcr"
        ? clientKey(record.issuer)
        : staticClientKey(record.resource);
    }
    await this.#saveToken(
      tokenKey(record.issuer, record.resource),
      record,
      (detail) =>
        `Signed in to ${server}, but the tokens could not be saved: fix the credential store, then run "mcp-oauth authorize ${server}" again (${detail})`,
    );
    if (await this.#compat(server)) {
      const mirrored = await mirrorToDocker(this.store, server, record, {
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uri: client.redirect_uris[0],
        redirect_uris: client.redirect_uris,
      });
      if (mirrored === "kept-docker-client") {
        return {
          ...authorized(server, record),
          dockerNote:
            `Docker's gateway has a client of its own for ${server}, and ${record.issuer} did not register mcp-oauth's client for Docker's redirect URI, so Docker's entries were left as they are: each tool keeps its own sign-in.`,
        };
      }
    }
    return authorized(server, record);
  }

  /** The AS's revocation endpoint, from its metadata; undefined when unknown or unreachable. */
  async #revocationEndpoint(issuer: string): Promise<string | undefined> {
    const policy = new RequestPolicy(this.http, issuer, "Authorization server");
    for (const url of authorizationServerMetadataUrls(new URL(issuer))) {
      try {
        const res = await this.http.bounded(policy.allow(url, "Metadata URL"), {
          headers: { accept: "application/json" },
        });
        if (res.status !== 200) continue;
        const as = await oauth.processDiscoveryResponse(new URL(issuer), res);
        if (as.revocation_endpoint) policy.allow(as.revocation_endpoint, "revocation_endpoint");
        return as.revocation_endpoint;
      } catch { /* try the next metadata URL */ }
    }
    return undefined;
  }

  /** Does this server keep Docker's layout too? */
  async #compat(name: string): Promise<boolean> {
    return this.#dockerCompat || (await this.servers.get(name))?.compat === "docker";
  }

  /** Servers Docker's gateway authorized in this store (for `ls` and `import docker`). */
  dockerServers(): Promise<DockerServer[]> {
    return readDockerServers(this.store);
  }

  /**
   * Adopt the servers Docker's gateway authorized in this store (see docker-import.ts): each
   * becomes a server with compat "docker" and a token record; the others are named with the
   * reason they were skipped.
   */
  async importDocker(): Promise<DockerImport> {
    return await importDockerServers({
      store: this.store,
      servers: this.servers,
      http: this.http,
      now: this.#now(),
      discover: (server) => this.discover(server),
      revocationEndpoint: (issuer) => this.#revocationEndpoint(issuer),
    }, await this.dockerServers());
  }

  /**
   * Decoded claims of the stored access token when it is a JWT (for display;
   * never the token). `undefined` for an opaque token or none.
   */
  async tokenClaims(
    server: ServerDefinition,
  ): Promise<{ hasToken: boolean; claims?: Record<string, unknown> }> {
    const record = await this.#readToken(server);
    return { hasToken: !!record, claims: record && decodeJwtClaims(record.access_token) };
  }

  /** The stored registration for an issuer, without its secret. */
  async registration(
    issuer: string,
  ): Promise<Omit<ClientRecord, "client_secret"> & { hasSecret: boolean } | undefined> {
    const record = await readRecord<ClientRecord>(
      this.store,
      clientKey(issuer),
      "client registration",
      isClientRecord,
    );
    if (!record) return undefined;
    const { client_secret, ...rest } = record;
    return { ...rest, hasSecret: !!client_secret };
  }

  /** Scopes the stored token was granted (S22 unions them with a challenge's). */
  async heldScopes(server: ServerDefinition): Promise<string[]> {
    const record = await this.#readToken(server).catch(() => undefined);
    return splitScopes(record?.scope);
  }

  /**
   * A fetch that carries `server`'s token: refresh on 401, step-up on 403
   * insufficient_scope through `options.authorize` (S19, S20, S22).
   */
  authFetch(server: ServerDefinition, options: AuthFetchOptions = {}): FetchLike {
    return createAuthFetch(this, server, this.http.fetch, options);
  }

  /**
   * A valid access token, refreshed ahead of expiry under the lock so a
   * rotating refresh token is used once (S20). Throws REAUTHORIZATION_NEEDED
   * (exit 3) when only a new sign-in helps (S21).
   */
  async getAccessToken(server: ServerDefinition): Promise<string> {
    return (await this.#freshRecord(server, false)).access_token;
  }

  /** Like {@link getAccessToken}, with type, expiry and scope. */
  async getTokenSet(
    server: ServerDefinition,
  ): Promise<Pick<TokenRecord, "access_token" | "token_type" | "expires_at" | "scope">> {
    const { access_token, token_type, expires_at, scope } = await this.#freshRecord(server, false);
    return { access_token, token_type, expires_at, scope };
  }

  /**
   * Refresh now, even if the token is still valid. A token issued without a
   * refresh token is kept as it is until it expires (`refreshed: false`).
   */
  async refresh(server: ServerDefinition): Promise<Authorized & { refreshed: boolean }> {
    const held = await this.#readToken(server);
    if (held && !held.refresh_token && tokenState(held, this.#now()) !== "expired") {
      return { ...authorized(server.name, held), refreshed: false };
    }
    return { ...authorized(server.name, await this.#freshRecord(server, true)), refreshed: true };
  }

  /** Status for `ls` and the dashboard, without network requests. */
  async status(server: ServerDefinition): Promise<ServerStatus> {
    const base = {
      name: server.name,
      url: server.url,
      issuer: server.issuer,
      store: this.store.name,
      scopes: server.scopes ?? [],
      refreshable: false,
    };
    let record: TokenRecord | undefined;
    try {
      record = await this.#readToken(server);
    } catch (err) {
      return {
        ...base,
        state: "needs-authorization",
        error: err instanceof Error ? err.message : String(err),
      };
    }
    if (!record) return { ...base, state: "needs-authorization" };
    // A server shared with Docker's gateway is as fresh as the newer of the two copies.
    if (await this.#compat(server.name)) {
      record = await newerDockerToken(this.store, server.name, record, this.#now())
        .catch(() => undefined) ?? record;
    }
    const refreshable = !!record.refresh_token;
    const scopes = splitScopes(record.scope);
    const expired = tokenState(record, this.#now()) === "expired";
    return {
      ...base,
      scopes,
      refreshable,
      expiresAt: record.expires_at,
      obtainedAt: record.obtained_at,
      state: !expired ? "authorized" : refreshable ? "expired-refreshable" : "needs-authorization",
    };
  }

  /**
   * Revoke at the AS (refresh token, then access token) and delete locally
   * even when the AS fails (S23). `forgetClient` also drops the registration.
   */
  async revoke(
    server: ServerDefinition,
    options: { forgetClient?: boolean } = {},
  ): Promise<Revoked> {
    let record: TokenRecord | undefined;
    try {
      record = await this.#readToken(server);
    } catch (err) {
      // An unreadable record is deleted below; a store that cannot be read is not "no tokens".
      if (!(err instanceof UnreadableRecordError)) throw err;
    }
    const compat = await this.#compat(server.name);
    // Revoke the newest token of the grant, which may be the one Docker's gateway refreshed to.
    if (record && compat) {
      record = await newerDockerToken(this.store, server.name, record, this.#now()) ?? record;
    }
    const failures = record ? await this.#revokeRemote(record) : [];
    const issuer = record?.issuer ?? server.issuer;
    if (issuer) {
      await this.store.erase(tokenKey(issuer, canonicalResource(server.url)));
      if (options.forgetClient) await forgetClient(this.store, issuer);
    }
    if (options.forgetClient) {
      await this.store.erase(staticClientKey(canonicalResource(server.url)));
    }
    if (compat) await eraseDockerMirror(this.store, server.name, record);
    return { server: server.name, hadToken: !!record, failures };
  }

  /** RFC 7009 at the AS, unless the record's endpoints fail the URL policy (then one failure line). */
  async #revokeRemote(record: TokenRecord): Promise<string[]> {
    try {
      assertRecordEndpoints(record, this.http);
    } catch (err) {
      return [`${(err as Error).message} The tokens were deleted locally only.`];
    }
    return await revokeTokenSet(this.http, record, await this.#clientSecret(record));
  }

  /**
   * Revoke a server's tokens, delete its pre-registered client secret and
   * its definition. A DCR registration is kept: other servers on the same AS
   * share it.
   */
  async remove(server: ServerDefinition): Promise<Revoked> {
    const result = await this.revoke(server);
    await this.store.erase(staticClientKey(canonicalResource(server.url)));
    await this.servers.remove(server.name);
    return result;
  }

  /**
   * Add or update a server from what a person typed; a client secret goes to
   * the credential store, never to the config.
   */
  async addServer(input: ServerInput): Promise<{ definition: ServerDefinition; updated: boolean }> {
    const definition = validateServerInput(input, this.http.allowInsecureHttp);
    // Keep what the last sign-in learnt only while the URL is unchanged.
    const keep = (current: ServerDefinition | undefined): ServerDefinition =>
      current?.url === definition.url && current.issuer
        ? { ...definition, issuer: current.issuer }
        : definition;
    const existing = await this.servers.get(definition.name);
    if (input.clientSecret && input.clientId) {
      await this.saveClientSecret(keep(existing), input.clientId, input.clientSecret);
    }
    // In one step under the registry's lock: another process's add or sign-in in between is
    // seen (its issuer kept, "Updated" said), not overwritten blindly.
    let stored = definition;
    const previous = await this.servers.upsert(
      definition.name,
      (current) => (stored = keep(current)),
    );
    return { definition: stored, updated: !!previous };
  }

  /** Keep a pre-registered client's secret in the credential store. */
  async saveClientSecret(
    server: ServerDefinition,
    clientId: string,
    secret: string,
  ): Promise<void> {
    const resource = canonicalResource(server.url);
    await writeRecord(this.store, staticClientKey(resource), "mcp-oauth-static-client", {
      v: 1,
      source: "static",
      issuer: server.issuer ?? "",
      client_id: clientId,
      client_secret: secret,
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [],
      registered_at: this.#now(),
    });
  }

  /**
   * The pre-registered client for this sign-in, bound to the issuer it was first used with: its
   * id and secret are never sent to another authorization server (a server that moves to a new
   * AS, or metadata that names a hostile one). A client typed for this sign-in is the person's
   * choice for the AS named now and is bound to it.
   * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization
   */
  async #staticClient(server: ServerDefinition, discovery: Discovery, options: BeginOptions) {
    const clientId = options.clientId ?? server.clientId;
    if (!clientId) return undefined;
    const key = staticClientKey(discovery.resource);
    const saved = await readRecord<ClientRecord>(this.store, key, "client secret", isClientRecord);
    const same = saved?.client_id === clientId ? saved : undefined;
    if (same?.issuer && same.issuer !== discovery.issuer && options.clientId === undefined) {
      throw new McpOAuthError(
        ErrorCode.CLIENT_ISSUER_CHANGED,
        `${server.name} now names ${discovery.issuer} as its authorization server, but its pre-registered client ${
          oneLine(clientId, 80)
        } belongs to ${same.issuer}; its credentials were not sent to the new one. If the client is registered there too, sign in with --client-id (and its secret) again; otherwise "mcp-oauth remove ${server.name}" and add it anew.`,
      );
    }
    const secret = options.clientSecret ?? same?.client_secret;
    if (!same || same.issuer !== discovery.issuer || secret !== same.client_secret) {
      // Bind it (the secret kept for refreshes) to the AS it is about to be used with.
      await writeRecord(this.store, key, "mcp-oauth-static-client", {
        v: 1,
        source: "static",
        issuer: discovery.issuer,
        client_id: clientId,
        client_secret: secret,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        registered_at: this.#now(),
      });
    }
    return { clientId, clientSecret: secret };
  }

  async #readToken(server: ServerDefinition): Promise<TokenRecord | undefined> {
    // A sign-in since `server` was resolved may have learnt (or changed) its issuer.
    const issuer = (await this.servers.get(server.name))?.issuer ?? server.issuer;
    if (!issuer) return undefined;
    const key = tokenKey(issuer, canonicalResource(server.url));
    const record = await readRecord<TokenRecord>(this.store, key, "token", isTokenRecord);
    // A record is always stored under its own key. Another key means the store answered with
    // another server's entry (a helper that matches keys loosely): never use it (S19).
    if (record && ownKey(record) !== key) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `The credential store ${this.store.name} answered the token of ${
          oneLine(record.resource, 100)
        } when asked for ${server.name}'s (${server.url}); it was not used. Check the store's entries, then run "mcp-oauth authorize ${server.name}".`,
      );
    }
    return record;
  }

  async #clientSecret(record: TokenRecord): Promise<string | undefined> {
    if (!record.secret_key) return undefined;
    const c = await readRecord<ClientRecord>(
      this.store,
      record.secret_key,
      "client secret",
      isClientRecord,
    );
    return c?.client_secret;
  }

  async #freshRecord(server: ServerDefinition, force: boolean): Promise<TokenRecord> {
    const notAuthorized = () =>
      new McpOAuthError(
        ErrorCode.REAUTHORIZATION_NEEDED,
        `Not authorized for ${server.name}; run "mcp-oauth authorize ${server.name}" (re-authorization needed).`,
      );
    const compat = await this.#compat(server.name);
    let first = await this.#readToken(server);
    if (!first) throw notAuthorized();
    // Shared with Docker's gateway: its token entry may hold a newer token (it refreshed).
    if (compat) {
      first = await newerDockerToken(this.store, server.name, first, this.#now()) ?? first;
    }
    const firstState = tokenState(first, this.#now());
    if (!force && firstState === "valid") return first;
    // Without a refresh token there is nothing to refresh ahead of expiry: the token serves
    // until it really expires, then only a sign-in helps (RFC 6749 §1.5).
    if (!force && !first.refresh_token && firstState !== "expired") return first;
    const key = tokenKey(first.issuer, first.resource);
    return await this.#lock.withLock(key, async () => {
      // Another process may have refreshed while we waited for the lock.
      let current = await this.#readToken(server);
      if (!current) throw notAuthorized();
      // So may Docker's gateway, which rotates the refresh token: refreshing from our older copy
      // would reuse a spent refresh token and the AS would revoke the grant for both tools.
      const docker = compat &&
        await newerDockerToken(this.store, server.name, current, this.#now());
      if (docker) {
        await this.#saveToken(
          key,
          docker,
          (detail) =>
            `The newer token Docker's gateway stored for ${server.name} could not be saved: fix the credential store, then retry (${detail})`,
        );
        current = docker;
      }
      const state = tokenState(current, this.#now());
      if (state === "valid" && (!force || current.refresh_token !== first.refresh_token)) {
        return current;
      }
      // The endpoint comes from the store, which other programs write too: checked as if discovered.
      assertRecordEndpoints(current, this.http);
      let next: TokenRecord;
      try {
        next = await refreshTokenSet(
          this.http,
          current,
          await this.#clientSecret(current),
          this.#now,
        );
      } catch (err) {
        if (err instanceof McpOAuthError && err.code === ErrorCode.REAUTHORIZATION_NEEDED) {
          // S21: the grant is gone; drop the dead tokens, keep the registration,
          // unless the AS no longer knows the client itself (S11).
          await this.store.erase(key);
          if (oauthErrorCode(err.cause) === "invalid_client" && current.client_source === "dcr") {
            await forgetClient(this.store, current.issuer);
          }
          throw err;
        }
        // The AS is unreachable or failing: a token that has not expired yet still works.
        if (!force && state !== "expired") return current;
        throw err;
      }
      // Not inside the catch above: once the AS has rotated the refresh token, handing out the
      // old access token would hide that the stored refresh token is used up (S20).
      await this.#saveToken(
        key,
        next,
        (detail) =>
          next.refresh_token && next.refresh_token !== current.refresh_token
            ? `The refreshed token for ${server.name} could not be saved, and the old refresh token is used up: fix the credential store, then run "mcp-oauth authorize ${server.name}" (${detail})`
            : `The refreshed token for ${server.name} could not be saved: fix the credential store, then retry (${detail})`,
      );
      if (compat) await mirrorToDocker(this.store, server.name, next);
      return next;
    });
  }

  /**
   * Store tokens the AS has just issued, trying twice: a credential store that fails once (a
   * helper that crashed, a busy keychain) often works the second time, and these tokens exist
   * nowhere else. `message` explains a final failure from the store's own message.
   */
  async #saveToken(
    key: string,
    record: TokenRecord,
    message: (detail: string) => string,
  ): Promise<void> {
    try {
      await writeRecord(this.store, key, "mcp-oauth-token", record);
    } catch {
      try {
        await writeRecord(this.store, key, "mcp-oauth-token", record);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new McpOAuthError(ErrorCode.STORE_FAILED, message(detail), { cause: err });
      }
    }
  }
}

function authorized(server: string, r: TokenRecord): Authorized {
  return { server, issuer: r.issuer, scope: r.scope, expiresAt: r.expires_at };
}

/** The query of a callback URL; text that is no URL is a clear error that does not echo it (S26). */
function callbackParams(callback: URL | string): URLSearchParams {
  if (callback instanceof URL) return callback.searchParams;
  try {
    return new URL(callback).searchParams;
  } catch {
    throw new McpOAuthError(
      ErrorCode.INVALID_URL,
      "The callback is not a URL; pass the whole address the browser was sent to (it starts with the redirect URI).",
    );
  }
}

/** The key a token record is stored under; undefined when its issuer or resource is no URL. */
function ownKey(record: TokenRecord): string | undefined {
  try {
    return tokenKey(record.issuer, record.resource);
  } catch {
    return undefined;
  }
}
