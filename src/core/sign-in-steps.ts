/**
 * The engine's side of a sign-in: the client (pre-registered, CIMD or DCR),
 * the authorization URL with PKCE, the code exchange or the device grant, and
 * storing the tokens. The flow around it (listener, browser, markers) is
 * sign-in-service.ts.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { assertPkceS256, authorizationUrl, completeAuthorization } from "./authorization.ts";
import { type DeviceAuthorization, startDeviceAuthorization } from "./device.ts";
import type { Discovery } from "./discover.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import type { AuthorizationFlows, PendingAuthorization } from "./flows.ts";
import type { HttpContext } from "./http-context.ts";
import { oauthErrorCode } from "./oauth-errors.ts";
import type {
  CredentialStore,
  DockerMirrorPort,
  ServerDefinition,
  ServerRegistry,
} from "./ports.ts";
import {
  clientKey,
  type ClientRecord,
  isClientRecord,
  readRecord,
  staticClientKey,
  tokenKey,
  type TokenRecord,
  writeRecord,
} from "./records.ts";
import { ensureClient, forgetClient } from "./registration.ts";
import { selectScopes } from "./scopes.ts";
import { dpopBinding, ensureDpopKey } from "./dpop.ts";
import { relayState } from "./sign-in-service.ts";
import { type Authorized, authorized, type TokenService } from "./token-service.ts";

/** Options of {@link Engine.beginAuthorization}. */
export interface BeginOptions {
  redirectUri: string;
  /** Overrides the configured and selected scopes. */
  scopes?: string[];
  clientId?: string;
  clientSecret?: string;
  /** Overrides the server's Client ID Metadata Document URL. */
  clientMetadataUrl?: string;
  /** The scopes come from a step-up (RFC 6750 §3.1), not from the user: do not remember them. */
  stepUp?: boolean;
  /**
   * `redirectUri` is a relay that forwards to this loopback port: send the
   * state as `mcp-oauth:PORT:NONCE` (the relay hands back the bare nonce).
   */
  relayPort?: number;
}

/** What the sign-in steps need. */
export interface SignInStepsDeps {
  store: CredentialStore;
  servers: ServerRegistry;
  http: HttpContext;
  flows: AuthorizationFlows;
  tokens: TokenService;
  now: () => number;
  clientName: string;
  /** How long an authorization request stays valid, ms. */
  ttl: number;
  /** Does this server keep Docker's layout too? (Never without {@link docker}.) */
  compat(name: string): Promise<boolean>;
  /** Docker's gateway's copy of tokens. */
  docker?: DockerMirrorPort;
}

/** See the module doc. */
export class SignInSteps {
  readonly #d: SignInStepsDeps;

  constructor(deps: SignInStepsDeps) {
    this.#d = deps;
  }

  /**
   * The redirect URIs of the stored registration for this AS, so the caller
   * can listen on one of those ports and avoid registering again (RFC 7591 §3).
   */
  async rememberedRedirectUris(discovery: Discovery): Promise<string[]> {
    const known = await readRecord<ClientRecord>(
      this.#d.store,
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
    const dpop = dpopBinding(server, discovery);
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
      expiresAt: this.#d.now() + this.#d.ttl,
      ...(dpop ? { dpop } : {}),
    };
    this.#d.flows.add(pending);
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
    const dpop = dpopBinding(server, discovery);
    const { client, scopes } = await this.#prepare(
      server,
      discovery,
      { ...options, redirectUri },
      true,
    );
    const device = await startDeviceAuthorization(this.#d.http, {
      as: discovery.as,
      client,
      resource: discovery.resource,
      resourceIndicator: discovery.resourceIndicator,
      sendResource: server.resource !== false,
      scopes,
      now: this.#d.now,
      dpop: dpop &&
        await ensureDpopKey(
          this.#d.store,
          discovery.issuer,
          discovery.resource,
          dpop.alg,
          dpop.acceptable,
          this.#d.now(),
        ),
    });
    const { poll, ...shown } = device;
    return {
      ...shown,
      wait: async (signal) => {
        const record = await poll(signal);
        if (dpop?.required) assertBound(server.name, discovery.issuer, record);
        return await this.#storeTokens(server.name, client, record);
      },
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
    const client = await ensureClient(this.#d.http, this.#d.store, {
      as: discovery.as,
      redirectUri: options.redirectUri,
      staticClient,
      clientMetadataUrl: options.clientMetadataUrl ?? server.clientMetadataUrl,
      clientName: this.#d.clientName,
      now: this.#d.now(),
      trace: discovery.trace,
      device,
      policy: discovery.policy,
      // A server shared with Docker's gateway: the client mcp-oauth writes into Docker's entry
      // must also serve `docker mcp oauth authorize`, which signs in through Docker's redirect.
      alsoRedirectUris: this.#d.docker && (await this.#d.compat(server.name))
        ? [this.#d.docker.redirectUri]
        : undefined,
    });
    const scopes = selectScopes({
      configured: options.scopes ?? server.scopes,
      challenge: discovery.challenge?.scope,
      prm: discovery.prm,
      as: discovery.as,
    });
    // Remember where this server's tokens are keyed, and the user's scopes (MCP scope selection).
    await this.#d.servers.put({
      ...server,
      issuer: discovery.issuer,
      ...(options.scopes && !options.stepUp ? { scopes: options.scopes } : {}),
    });
    return { client, scopes };
  }
  /**
   * Handle the redirect back from the AS: find the request by `state` (single
   * use, RFC 6749 §10.12), check `iss` (RFC 9207 §2.4), exchange the code and store the tokens.
   */
  async completeAuthorization(callback: URL | URLSearchParams | string): Promise<Authorized> {
    const params = callback instanceof URLSearchParams ? callback : callbackParams(callback);
    const states = params.getAll("state");
    const pending = states.length === 1 ? this.#d.flows.take(states[0]!, this.#d.now()) : undefined;
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
      // The server's key, created at its first DPoP sign-in and kept like a refresh token.
      const key = pending.dpop &&
        await ensureDpopKey(
          this.#d.store,
          pending.issuer,
          pending.resource,
          pending.dpop.alg,
          pending.dpop.acceptable,
          this.#d.now(),
        );
      record = await completeAuthorization(this.#d.http, pending, params, this.#d.now, key);
      if (pending.dpop?.required) assertBound(pending.server, pending.issuer, record);
    } catch (err) {
      const rejected = err instanceof McpOAuthError &&
        err.code === ErrorCode.TOKEN_REQUEST_FAILED &&
        oauthErrorCode(err.cause) === "invalid_client";
      if (rejected && pending.client.source === "dcr") {
        // RFC 7591 §3: the AS no longer knows this client; the next sign-in registers anew.
        await forgetClient(this.#d.store, pending.issuer);
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
    await this.#d.tokens.save(
      tokenKey(record.issuer, record.resource),
      record,
      (detail) => ({
        fact: `Signed in to ${server}, but the tokens could not be saved`,
        advice: "fix the credential store, then sign in again",
        remedy: { do: "fix-store-then-authorize", server, detail, again: true },
      }),
    );
    if (await this.#d.compat(server)) {
      const mirrored = await this.#d.docker!.mirror(server, record, {
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
      if (mirrored === "dpop-bound") {
        return {
          ...authorized(server, record),
          dockerNote:
            `${server}'s tokens are DPoP-bound to a key only mcp-oauth holds, so they were not shared with Docker's gateway, which could not use them.`,
        };
      }
    }
    return authorized(server, record);
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
    const saved = await readRecord<ClientRecord>(
      this.#d.store,
      key,
      "client secret",
      isClientRecord,
    );
    const same = saved?.client_id === clientId ? saved : undefined;
    if (same?.issuer && same.issuer !== discovery.issuer && options.clientId === undefined) {
      throw new McpOAuthError(ErrorCode.CLIENT_ISSUER_CHANGED, "", {
        fact:
          `${server.name} now names ${discovery.issuer} as its authorization server, but its pre-registered client ${
            oneLine(clientId, 80)
          } belongs to ${same.issuer}; its credentials were not sent to the new one`,
        advice:
          "if the client is registered there too, sign in with its client id (and secret) again; otherwise remove the server and add it anew",
        remedy: { do: "client-moved", server: server.name },
      });
    }
    const secret = options.clientSecret ?? same?.client_secret;
    if (!same || same.issuer !== discovery.issuer || secret !== same.client_secret) {
      // Bind it (the secret kept for refreshes) to the AS it is about to be used with.
      await writeRecord(this.#d.store, key, "mcp-oauth-static-client", {
        v: 1,
        source: "static",
        issuer: discovery.issuer,
        client_id: clientId,
        client_secret: secret,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [],
        registered_at: this.#d.now(),
      });
    }
    return { clientId, clientSecret: secret };
  }
  /** The stored registration for an issuer, without its secret. */
  async registration(
    issuer: string,
  ): Promise<Omit<ClientRecord, "client_secret"> & { hasSecret: boolean } | undefined> {
    const record = await readRecord<ClientRecord>(
      this.#d.store,
      clientKey(issuer),
      "client registration",
      isClientRecord,
    );
    if (!record) return undefined;
    const { client_secret, ...rest } = record;
    return { ...rest, hasSecret: !!client_secret };
  }
}

/** A server added with DPoP gets a DPoP-bound token or nothing (RFC 9449 §5). */
function assertBound(server: string, issuer: string, record: TokenRecord): void {
  if (record.token_type === "DPoP") return;
  throw new McpOAuthError(ErrorCode.DPOP_UNSUPPORTED, "", {
    fact: `${server} was added with DPoP, but ${issuer} answered the proof with a ${
      oneLine(record.token_type, 20)
    } token, not a DPoP-bound one; nothing was stored`,
    advice: "add the server again without DPoP, or ask the provider to enable DPoP",
    remedy: { do: "add-without-dpop", server },
  });
}

/** The query of a callback URL; text that is no URL is a clear error that does not echo it (RFC 6750 §5.3). */
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
