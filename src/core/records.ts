/**
 * What the engine keeps in the credential store, and under which keys. Keys
 * are absolute https URLs (keychain helpers parse them) built from the issuer
 * and the resource, so two servers behind one AS never collide.
 *
 * @module
 */
import type { GrantKind } from "./grants/grant.ts";
import type { CredentialStore } from "./ports.ts";
import { ErrorCode, McpOAuthError } from "./errors.ts";

/**
 * How the client authenticates at the token endpoint (RFC 7591 §2); private_key_jwt
 * (RFC 7523 §2.2) only for a machine grant's pre-registered client.
 */
export type AuthMethod = "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";

/** A token set and everything needed to refresh or revoke it without discovery. */
export interface TokenRecord {
  v: 1;
  resource: string;
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  client_id: string;
  auth_method: AuthMethod;
  /** How the client was obtained (MCP client registration); a DCR client is forgotten on invalid_client (RFC 7591 §3). */
  client_source?: "dcr" | "static" | "cimd" | "docker";
  /** Store key of the client secret, when the client has one. */
  secret_key?: string;
  /** Send RFC 8707 `resource` on refresh (RFC 8707 §2). */
  send_resource: boolean;
  /**
   * The RFC 8707 `resource` value sent, when it is not `resource` itself: the
   * PRM's `resource` byte for byte (a same-origin prefix such as the origin).
   * `resource` stays the server's canonical URL, which keys the record.
   */
  resource_indicator?: string;
  access_token: string;
  token_type: string;
  refresh_token?: string;
  /** Granted scopes, space separated. */
  scope?: string;
  /** Absolute expiry, ms since the epoch (RFC 6749 §6). */
  expires_at?: number;
  obtained_at: number;
  /** The machine grant that obtained it (absent: a browser or device sign-in). */
  grant?: GrantKind;
  /**
   * RFC 7638 thumbprint of the DPoP key whose proofs obtained this token set (RFC 9449 §5): the
   * refresh token is bound to it, and so is the access token when `token_type` is "DPoP".
   */
  dpop_jkt?: string;
}

/** A client the engine registered (DCR) or was given (pre-registered). */
export interface ClientRecord {
  v: 1;
  source: "dcr" | "static" | "cimd";
  issuer: string;
  client_id: string;
  client_secret?: string;
  client_secret_expires_at?: number;
  /** A private_key_jwt client's PKCS#8 PEM key (RFC 7523 §2.2), a secret like client_secret. */
  private_key?: string;
  /** The JWS algorithm `private_key` signs with (RFC 7518 §3.1). */
  signing_alg?: string;
  token_endpoint_auth_method: AuthMethod;
  redirect_uris: string[];
  /** Extra redirect URIs the AS refused to register (Docker's, for a shared server): not asked again. */
  declined_redirect_uris?: string[];
  /** Grant types registered; absent in records written before the device grant. */
  grant_types?: string[];
  registered_at: number;
}

/**
 * A server's DPoP key pair (RFC 9449 §2), a secret like a refresh token: the private JWK
 * (public members included) and the algorithm its proofs use.
 */
export interface DpopKeyRecord {
  v: 1;
  kind: "dpop-key";
  /** JWS algorithm of the proofs, e.g. ES256 (RFC 9449 §4.2). */
  alg: string;
  /** The private key as a JWK (never shown, never sent). */
  jwk: JsonWebKey;
  /** RFC 7638 thumbprint of the public key (the tokens' `cnf.jkt`). */
  jkt: string;
  created_at: number;
}

const NS = ".mcp-oauth";

function hostPath(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

/** Key of the token set for (issuer, resource). */
export function tokenKey(issuer: string, resource: string): string {
  return `https://${hostPath(issuer)}/${NS}/token/${encodeURIComponent(resource)}`;
}

/** Key of the registered client for an issuer (RFC 7591 §3). */
export function clientKey(issuer: string): string {
  return `https://${hostPath(issuer)}/${NS}/client`;
}

/** Key of a pre-registered client's secret, per resource. */
export function staticClientKey(resource: string): string {
  return `https://${hostPath(resource)}/${NS}/static-client`;
}

/** Key of a client secret imported from Docker's layout, per issuer and server. */
export function importedClientKey(issuer: string, serverName: string): string {
  return `https://${hostPath(issuer)}/${NS}/imported-client/${encodeURIComponent(serverName)}`;
}

/** Key of a server's DPoP key pair (RFC 9449 §2), per issuer and resource like its tokens. */
export function dpopKeyKey(issuer: string, resource: string): string {
  return `https://${hostPath(issuer)}/${NS}/dpop-key/${encodeURIComponent(resource)}`;
}

/** True for keys this engine writes. */
export function isEngineKey(key: string): boolean {
  return key.includes(`/${NS}/`);
}

/**
 * A record that is stored but is not a valid record (the store itself answered): callers that
 * clean up, such as revoke, may delete it; any other error means the store could not be read.
 */
export class UnreadableRecordError extends McpOAuthError {
  constructor(fact: string) {
    super(ErrorCode.STORE_FAILED, "", {
      fact,
      advice: "remove it (revoke) and sign in again",
      remedy: { do: "revoke-then-authorize" },
    });
    this.name = "UnreadableRecordError";
  }
}

/** Read and validate a JSON record; a corrupt one is a clear error, never a crash. */
export async function readRecord<T extends TokenRecord | ClientRecord | DpopKeyRecord>(
  store: CredentialStore,
  key: string,
  what: string,
  valid: (x: Record<string, unknown>) => boolean,
): Promise<T | undefined> {
  const c = await store.get(key);
  if (!c || !c.Secret) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.Secret);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || !valid(parsed as Record<string, unknown>)) {
    throw new UnreadableRecordError(
      `The stored ${what} in ${store.name} under ${key} is unreadable`,
    );
  }
  return parsed as T;
}

/** Write a record as JSON. */
export async function writeRecord(
  store: CredentialStore,
  key: string,
  username: string,
  record: TokenRecord | ClientRecord | DpopKeyRecord,
): Promise<void> {
  await store.store({ ServerURL: key, Username: username, Secret: JSON.stringify(record) });
}

/** Shape checks for {@link readRecord}. */
export const isTokenRecord = (x: Record<string, unknown>): boolean =>
  x.v === 1 && typeof x.access_token === "string" && typeof x.token_endpoint === "string" &&
  typeof x.issuer === "string" && typeof x.client_id === "string" && typeof x.resource === "string";

/** Shape checks for {@link readRecord}. */
export const isClientRecord = (x: Record<string, unknown>): boolean =>
  x.v === 1 && typeof x.client_id === "string" && typeof x.issuer === "string" &&
  Array.isArray(x.redirect_uris);

/** Shape checks for {@link readRecord}. */
export const isDpopKeyRecord = (x: Record<string, unknown>): boolean =>
  x.v === 1 && x.kind === "dpop-key" && typeof x.alg === "string" && typeof x.jkt === "string" &&
  !!x.jwk && typeof x.jwk === "object";
