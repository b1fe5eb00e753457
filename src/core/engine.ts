/**
 * The engine: a façade over the services that sign in to MCP servers and
 * hand out fresh tokens (sign-in-steps.ts, token-service.ts), over any
 * credential store and server registry, plus the server registry's own
 * operations. It uses only fetch, URL and WebCrypto (through oauth4webapi): no
 * runtime APIs. docs/ARCHITECTURE.md maps the modules.
 *
 * Over 400 lines on purpose: one short delegate per operation a caller has; split, callers
 * would have to know which service does what, which is what a façade hides.
 * @module
 */
import type { DpopKey } from "./dpop.ts";
import * as oauth from "oauth4webapi";
import type {
  CredentialStore,
  DockerMirrorPort,
  ServerCatalog,
  ServerDefinition,
  ServerRegistry,
} from "./ports.ts";
import { type AuthFetchOptions, createAuthFetch } from "./auth-fetch.ts";
import type { DeviceAuthorization } from "./device.ts";
import { discover, type Discovery } from "./discover.ts";
import { RequestPolicy } from "./request-policy.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import { AuthorizationFlows } from "./flows.ts";
import type { FetchLike, HttpLimits } from "./http.ts";
import { createHttpContext, type HttpContext } from "./http-context.ts";
import type { GrantEnvironment } from "./grants/grant.ts";
import { validateGrantInput } from "./grants/grant-input.ts";
import { defaultStrategies, type GrantStrategies } from "./grants/strategies.ts";
import { type Lock, ProcessLock } from "./lock.ts";
import { type ClientRecord, staticClientKey, type TokenRecord, writeRecord } from "./records.ts";
import {
  SERVER_NAME,
  type ServerInput,
  serverUrlArgument,
  validateServerInput,
} from "./server-input.ts";
import { type BeginOptions, SignInSteps } from "./sign-in-steps.ts";
import { type Authorized, type Revoked, type ServerStatus, TokenService } from "./token-service.ts";
import { authorizationServerMetadataUrls, canonicalResource } from "./urls.ts";
import type { BearerChallenge } from "./www-authenticate.ts";

export type { Authorized, BeginOptions, Revoked, ServerStatus };

/** What `createEngine` needs. Only `store` and `servers` are required. */
export interface EngineOptions {
  store: CredentialStore;
  servers: ServerRegistry;
  /** Cross-process lock for refresh; defaults to an in-process one. */
  lock?: Lock;
  fetch?: FetchLike;
  limits?: Partial<HttpLimits>;
  /** Allow plain http to non-loopback hosts (OAuth 2.1 §1.5). Development only. */
  allowInsecureHttp?: boolean;
  /** Hosts metadata may point at besides loopback and the server's own (SSRF guard). */
  allowedHosts?: readonly string[];
  /** Client name sent in registrations. */
  clientName?: string;
  /** How long an authorization request stays valid, ms (RFC 6749 §10.12). */
  authorizationTtlMs?: number;
  /** Keep Docker MCP gateway's credential layout for every server, not only those with compat "docker". */
  dockerCompat?: boolean;
  /**
   * Docker's gateway's copy of tokens (src/store/docker-mirror.ts); without it no server is
   * shared with the gateway, whatever its compat says.
   */
  docker?: DockerMirrorPort;
  now?: () => number;
  /** Well-known servers, so `addServer` takes a name alone (the CLI gives the built-in one). */
  catalog?: ServerCatalog;
  /** Environment variables and files machine grants may read (the CLI gives the process's). */
  grantEnvironment?: GrantEnvironment;
  /** Machine grant strategies by kind; defaults to grants/strategies.ts's. */
  grants?: GrantStrategies;
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
  readonly #tokens: TokenService;
  readonly #steps: SignInSteps;
  readonly #now: () => number;
  readonly #dockerCompat: boolean;
  readonly #docker?: DockerMirrorPort;
  readonly #catalog?: ServerCatalog;
  readonly #challenges = new Map<string, { challenge: BearerChallenge; at: number }>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.servers = options.servers;
    this.http = createHttpContext(options.fetch, {
      limits: options.limits,
      allowInsecureHttp: options.allowInsecureHttp,
      allowedHosts: options.allowedHosts,
    });
    this.#now = options.now ?? Date.now;
    this.#dockerCompat = options.dockerCompat ?? false;
    this.#docker = options.docker;
    this.#catalog = options.catalog;
    const base = { store: this.store, servers: this.servers, http: this.http, now: this.#now };
    this.#tokens = new TokenService({
      ...base,
      lock: options.lock ?? new ProcessLock(),
      dockerCompat: this.#dockerCompat,
      docker: this.#docker,
      discover: (server) => this.discover(server),
      grants: options.grants ?? defaultStrategies(),
      environment: options.grantEnvironment,
    });
    this.#steps = new SignInSteps({
      ...base,
      flows: this.flows,
      tokens: this.#tokens,
      clientName: options.clientName ?? "mcp-oauth",
      ttl: options.authorizationTtlMs ?? 10 * 60_000,
      compat: (name) => this.#compat(name),
      docker: this.#docker,
    });
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
    throw new McpOAuthError(ErrorCode.UNKNOWN_SERVER, "", {
      fact: `No server named "${nameOrUrl}"`,
      advice: "add it first, or pass the server's URL",
      remedy: { do: "add", name: nameOrUrl },
    });
  }
  /**
   * Live discovery for a server (RFC 9728, MCP authorization server discovery). A challenge authFetch noted for it
   * in the last minute stands in for the unauthenticated probe.
   */
  discover(server: ServerDefinition): Promise<Discovery> {
    const noted = this.#challenges.get(server.name);
    this.#challenges.delete(server.name);
    const challenge = noted && noted.at > this.#now() - 60_000 ? noted.challenge : undefined;
    return discover(this.http, server.url, {
      authorizationServer: server.authorizationServer,
      challenge,
      grant: !!server.grant,
    });
  }
  /**
   * Remember the Bearer challenge of a refused MCP request, for the sign-in
   * it leads to: its scope is the one to ask for (MCP scope selection), and the request it
   * answered was as good as the discovery probe.
   */
  noteChallenge(server: ServerDefinition, challenge: BearerChallenge): void {
    this.#challenges.set(server.name, { challenge, at: this.#now() });
  }
  /**
   * The redirect URIs of the stored registration for this AS, so the caller
   * can listen on one of those ports and avoid registering again (RFC 7591 §2).
   */
  rememberedRedirectUris(discovery: Discovery): Promise<string[]> {
    return this.#steps.rememberedRedirectUris(discovery);
  }

  /**
   * Register or reuse a client and build the authorization URL; the request
   * waits in {@link flows} until {@link completeAuthorization}.
   * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.3
   */
  beginAuthorization(
    server: ServerDefinition,
    discovery: Discovery,
    options: BeginOptions,
  ): Promise<{ url: URL; state: string }> {
    return this.#steps.beginAuthorization(server, discovery, options);
  }

  /**
   * Start a device sign-in (RFC 8628): show `userCode` and `verificationUri`
   * to the person, then `wait()` stores the tokens once they approve.
   * @see https://datatracker.ietf.org/doc/html/rfc8628#section-3.2
   */
  beginDeviceAuthorization(
    server: ServerDefinition,
    discovery: Discovery,
    options: Omit<BeginOptions, "redirectUri">,
  ): Promise<
    Omit<DeviceAuthorization, "poll"> & { wait(signal?: AbortSignal): Promise<Authorized> }
  > {
    return this.#steps.beginDeviceAuthorization(server, discovery, options);
  }

  /**
   * Handle the redirect back from the AS: find the request by `state` (single
   * use), check `iss`, exchange the code and store the tokens.
   * @see https://datatracker.ietf.org/doc/html/rfc9207#section-2.4
   */
  completeAuthorization(callback: URL | URLSearchParams | string): Promise<Authorized> {
    return this.#steps.completeAuthorization(callback);
  }

  /** The stored registration for an issuer, without its secret. */
  registration(
    issuer: string,
  ): Promise<Omit<ClientRecord, "client_secret"> & { hasSecret: boolean } | undefined> {
    return this.#steps.registration(issuer);
  }

  /**
   * Decoded claims of the stored access token when it is a JWT (for display;
   * never the token). `undefined` for an opaque token or none.
   */
  tokenClaims(
    server: ServerDefinition,
  ): Promise<{ hasToken: boolean; claims?: Record<string, unknown> }> {
    return this.#tokens.tokenClaims(server);
  }

  /** Scopes the stored token was granted (a step-up asks for them again). */
  heldScopes(server: ServerDefinition): Promise<string[]> {
    return this.#tokens.heldScopes(server);
  }

  /**
   * A valid access token, refreshed ahead of expiry under the lock so a
   * rotating refresh token is used once. Throws REAUTHORIZATION_NEEDED
   * (exit 3) when only a new sign-in helps.
   * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
   */
  getAccessToken(server: ServerDefinition): Promise<string> {
    return this.#tokens.getAccessToken(server);
  }

  /**
   * A valid access token and, when it is DPoP-bound, the key whose proofs must go with it.
   * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-7
   */
  getCredential(server: ServerDefinition): Promise<{ token: string; dpop?: DpopKey }> {
    return this.#tokens.getCredential(server);
  }

  /**
   * Obtain a token through the server's machine grant now, with no browser (what sign-in
   * means for such a server); `scopes` replace the configured ones for this request.
   * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.4
   */
  obtainGrant(server: ServerDefinition, scopes?: string[]): Promise<Authorized> {
    return this.#tokens.obtainGrant(server, scopes);
  }

  /** Like {@link getAccessToken}, with type, expiry and scope. */
  getTokenSet(
    server: ServerDefinition,
  ): Promise<Pick<TokenRecord, "access_token" | "token_type" | "expires_at" | "scope">> {
    return this.#tokens.getTokenSet(server);
  }

  /**
   * Refresh now, even if the token is still valid. A token issued without a
   * refresh token is kept as it is until it expires (`refreshed: false`).
   */
  refresh(server: ServerDefinition): Promise<Authorized & { refreshed: boolean }> {
    return this.#tokens.refresh(server);
  }

  /** Status for `ls` and the dashboard, without network requests. */
  status(server: ServerDefinition): Promise<ServerStatus> {
    return this.#tokens.status(server);
  }

  /**
   * Revoke at the AS (refresh token, then access token) and delete locally
   * even when the AS fails. `forgetClient` also drops the registration.
   * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1
   */
  revoke(server: ServerDefinition, options: { forgetClient?: boolean } = {}): Promise<Revoked> {
    return this.#tokens.revoke(server, options);
  }

  /**
   * A fetch that carries `server`'s token: refresh on 401, step-up on 403
   * insufficient_scope through `options.authorize` (RFC 6750 §2.1; RFC 6749 §6; RFC 6750 §3.1).
   */
  authFetch(server: ServerDefinition, options: AuthFetchOptions = {}): FetchLike {
    return createAuthFetch(this, server, this.http.fetch, options);
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
    const definition = validateServerInput(input, this.http.allowInsecureHttp, this.#catalog);
    // Checked before anything is stored: a malformed key changes nothing.
    const grant = await validateGrantInput(input);
    if (grant) definition.grant = grant.config;
    // Keep what the last sign-in learnt only while the URL is unchanged.
    const keep = (current: ServerDefinition | undefined): ServerDefinition =>
      current?.url === definition.url && current.issuer
        ? { ...definition, issuer: current.issuer }
        : definition;
    const existing = await this.servers.get(definition.name);
    if (grant?.privateKey && input.clientId) {
      await this.saveClientSecret(keep(existing), input.clientId, {
        privateKey: grant.privateKey,
        alg: grant.alg!,
      });
    } else if (input.clientSecret && input.clientId && grant?.config.kind !== "jwt_bearer") {
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
  /**
   * Keep a pre-registered client's secret, or a private_key_jwt client's key (PKCS#8 PEM,
   * checked), in the credential store.
   * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
   * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.2
   */
  async saveClientSecret(
    server: ServerDefinition,
    clientId: string,
    credential: string | { privateKey: string; alg: string },
  ): Promise<void> {
    const auth = typeof credential === "string"
      ? { client_secret: credential, token_endpoint_auth_method: "client_secret_basic" as const }
      : {
        private_key: credential.privateKey,
        signing_alg: credential.alg,
        token_endpoint_auth_method: "private_key_jwt" as const,
      };
    await writeRecord(
      this.store,
      staticClientKey(canonicalResource(server.url)),
      "mcp-oauth-static-client",
      {
        v: 1,
        source: "static",
        issuer: server.issuer ?? "",
        client_id: clientId,
        ...auth,
        redirect_uris: [],
        registered_at: this.#now(),
      },
    );
  }
  /** Does this server keep Docker's layout too? Only with a Docker port. */
  async #compat(name: string): Promise<boolean> {
    if (!this.#docker) return false;
    return this.#dockerCompat || (await this.servers.get(name))?.compat === "docker";
  }
  /**
   * The AS's revocation endpoint, from its metadata; undefined when unknown or
   * unreachable (Docker's gateway keeps none in its records).
   * @see https://datatracker.ietf.org/doc/html/rfc8414#section-2
   */
  async revocationEndpoint(issuer: string): Promise<string | undefined> {
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
}
