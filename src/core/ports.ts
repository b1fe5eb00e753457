/**
 * The ports of the core: what it needs from storage, defined here and
 * implemented by src/store (file, helper, memory, config file), so that data
 * and imports flow one way (cli/http → core ← store).
 *
 * @module
 */

import type { GrantConfig } from "./grants/grant.ts";
import type { TokenRecord } from "./records.ts";

/**
 * The credential store contract: exactly the Docker credential-helper
 * protocol (`store`, `get`, `erase`, `list` of {ServerURL, Username, Secret}),
 * so a file, memory, or any `docker-credential-*` program can hold secrets.
 * @see https://github.com/docker/docker-credential-helpers#development
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

/**
 * Server definitions (name → URL and options). Never secrets: client secrets
 * go to the credential store.
 */
/** One configured MCP server. */
export interface ServerDefinition {
  /** Unique name, or the URL itself for a server used ad hoc. */
  name: string;
  /** The MCP endpoint URL. */
  url: string;
  /** Scopes that override the spec's selection (MCP scope selection). */
  scopes?: string[];
  /** A pre-registered client id (MCP client registration); its secret, if any, is in the credential store. */
  clientId?: string;
  /** Client ID Metadata Document URL (MCP client registration). */
  clientMetadataUrl?: string;
  /** Send RFC 8707 `resource`; false for servers that reject it (RFC 8707 §2). */
  resource?: boolean;
  /** Which of PRM's authorization servers to use (RFC 9728 §2). */
  authorizationServer?: string;
  /** Issuer learnt by the last sign-in: where its tokens are keyed. */
  issuer?: string;
  /** "docker": also keep Docker MCP gateway's credential layout for this server. */
  compat?: "docker";
  /** True when the server was used by URL without `add`. */
  adhoc?: boolean;
  /**
   * A machine grant (client credentials, workload JWT, enterprise IdP) instead of the browser
   * sign-in; its secrets are in the credential store. See core/grants/grant.ts.
   */
  grant?: GrantConfig;
  /**
   * DPoP-bound tokens (RFC 9449): true requires them (a sign-in fails when the AS offers no
   * DPoP); false never asks for them (Bearer tokens, which `token` can print); absent, tokens
   * are DPoP-bound whenever the AS advertises DPoP or the server challenges with it.
   */
  dpop?: boolean;
}

/** Where definitions live; the file implementation is src/store/config-file.ts. */
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

/** What a sign-in marker tells other processes. */
export interface SignInInfo {
  pid: number;
  /** The URL a person opens (authorization URL or device verification URL), once known. */
  url?: string;
  /** A device code to type, when the flow is a device sign-in. */
  userCode?: string;
  /** ms since the epoch after which the marker is void. */
  expiresAt: number;
}

/** The result of {@link SignInMarkerPort.claim}. */
export type Claim =
  | { claimed: true; update(info: Partial<SignInInfo>): Promise<void>; release(): Promise<void> }
  | { claimed: false; holder: SignInInfo };

/**
 * One sign-in at a time per server, across processes (the file implementation
 * is src/store/sign-in-marker.ts): whoever signs in holds the marker, and
 * everyone else waits for that sign-in instead of opening a second one.
 */
export interface SignInMarkerPort {
  /** Become the one signing in to `key`, or learn who already is. */
  claim(key: string, expiresAt: number): Promise<Claim>;
  /** The live marker for `key`, or undefined. */
  read(key: string): Promise<SignInInfo | undefined>;
}

/** A well-known server, as the engine needs it from a catalog. */
export interface KnownServer {
  /** Short name, used as the server's name. */
  name: string;
  /** The provider's product name. */
  title: string;
  /** The MCP endpoint. */
  url: string;
  /** "pre-registered": the person brings a client id (no RFC 7591 registration). */
  registration: "dcr" | "pre-registered";
  /** Scopes to request instead of the server's choice, when the provider needs it. */
  scopes?: string[];
  /** false for a server that rejects RFC 8707 `resource`. */
  resource?: false;
  /** What a person should know before signing in. */
  notes: string;
}

/**
 * Well-known servers (the built-in one is src/catalog/catalog.ts), so a
 * server can be added by name alone.
 */
export interface ServerCatalog {
  /** The entry of this name (any case), if any. */
  entry(name: string): KnownServer | undefined;
  /** The entry whose URL this is, if any. */
  entryForUrl(url: string): KnownServer | undefined;
}

/** What writing Docker's copy did (see {@link DockerMirrorPort.mirror}). */
export type Mirrored = "written" | "kept-docker-client" | "no-docker-client" | "dpop-bound";

/**
 * Docker's MCP gateway's copy of a server's tokens, for servers shared with it
 * ("compat docker"); the implementation is src/store/docker-mirror.ts. The core
 * keeps the copy in step and never refreshes from an older one.
 */
export interface DockerMirrorPort {
  /** The gateway's redirect URI: a shared server's registration covers it too. */
  readonly redirectUri: string;
  /** The gateway's token of `server` when it is newer than `ours` (the gateway refreshed). */
  newer(server: string, ours: TokenRecord, now: number): Promise<TokenRecord | undefined>;
  /** Write `record` in the gateway's layout, with the client when a sign-in made one. */
  mirror(
    server: string,
    record: TokenRecord,
    client?: {
      client_id: string;
      client_secret?: string;
      redirect_uri?: string;
      redirect_uris?: string[];
    },
  ): Promise<Mirrored>;
  /** Delete the gateway's entries of `server`. */
  erase(server: string, record?: TokenRecord): Promise<void>;
}
