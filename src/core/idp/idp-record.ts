/**
 * An enterprise identity provider as the credential store keeps it: its definition (issuer,
 * endpoints, the client mcp-oauth is known by there) and its secrets (client secret, the
 * person's id_token and refresh token) in one record, keyed by the IdP's name. None of it goes
 * to the config file: an id_token is a bearer credential at the IdP's token exchange.
 *
 * @see https://github.com/modelcontextprotocol/ext-auth (enterprise-managed authorization)
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import type { CredentialStore } from "../ports.ts";
import type { AuthMethod } from "../records.ts";

/** One enterprise IdP and the person's session with it. */
export interface IdpRecord {
  v: 1;
  /** The name `add --idp` refers to. */
  name: string;
  /** The OpenID issuer, as discovery confirmed it (OIDC Discovery §4.3). */
  issuer: string;
  token_endpoint: string;
  authorization_endpoint?: string;
  /** Scopes the IdP lists; `offline_access` among them means a refresh token is asked for. */
  scopes_supported?: string[];
  code_challenge_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  /** The algorithms its ID Tokens are signed with (OIDC Discovery §3); oauth4webapi checks them. */
  id_token_signing_alg_values_supported?: string[];
  /** The client mcp-oauth is registered as at the IdP. */
  client_id: string;
  client_secret?: string;
  auth_method: AuthMethod;
  /** The person's ID Token: the subject_token of every exchange (RFC 8693 §2.1). */
  id_token?: string;
  /** Its `exp`, ms since the epoch. */
  id_token_expires_at?: number;
  refresh_token?: string;
  /** When the person last signed in (or an id_token was imported), ms since the epoch. */
  signed_in_at?: number;
  added_at: number;
}

/** What `idp ls` shows: the definition and the session's state, never a token. */
export interface IdpSummary {
  name: string;
  issuer: string;
  clientId: string;
  hasSecret: boolean;
  /** "signed-in": a live id_token; "refreshable": expired, with a refresh token; else "signed-out". */
  state: "signed-in" | "refreshable" | "signed-out";
  idTokenExpiresAt?: number;
}

/** Names of IdPs: as server names (letters, digits, ".", "_", "-"). */
export const IDP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const PREFIX = "https://idp.mcp-oauth.invalid/.mcp-oauth/idp/";

/** The store key of the IdP `name`: an absolute https URL, as keychain helpers need. */
export function idpKey(name: string): string {
  return `${PREFIX}${encodeURIComponent(name)}`;
}

/** Fail with one line unless `name` can name an IdP. */
export function assertIdpName(name: string): void {
  if (!IDP_NAME.test(name)) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `"${
        oneLine(name, 80)
      }" cannot name an identity provider: use letters, digits, ".", "_" or "-".`,
    );
  }
}

function isIdpRecord(x: Record<string, unknown>): boolean {
  return x.v === 1 && typeof x.name === "string" && typeof x.issuer === "string" &&
    typeof x.token_endpoint === "string" && typeof x.client_id === "string";
}

/** The stored IdP `name`, or undefined; a corrupt entry is one clear line. */
export async function readIdp(
  store: CredentialStore,
  name: string,
): Promise<IdpRecord | undefined> {
  const c = await store.get(idpKey(name));
  if (!c?.Secret) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.Secret);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || !isIdpRecord(parsed as Record<string, unknown>)) {
    throw new McpOAuthError(ErrorCode.STORE_FAILED, "", {
      fact: `The stored identity provider ${name} in ${store.name} is unreadable`,
      advice: "define it again",
      remedy: { do: "idp-add", idp: name },
    });
  }
  return parsed as IdpRecord;
}

/** The stored IdP `name`, or UNKNOWN_SERVER saying how to define it. */
export async function requireIdp(store: CredentialStore, name: string): Promise<IdpRecord> {
  const record = await readIdp(store, name);
  if (record) return record;
  throw new McpOAuthError(ErrorCode.UNKNOWN_SERVER, "", {
    fact: `No identity provider named "${oneLine(name, 64)}"`,
    advice: "define it first",
    remedy: { do: "idp-add", idp: name },
  });
}

/** Create or replace the IdP record. */
export async function writeIdp(store: CredentialStore, record: IdpRecord): Promise<void> {
  await store.store({
    ServerURL: idpKey(record.name),
    Username: "mcp-oauth-idp",
    Secret: JSON.stringify(record),
  });
}

/** Names of the stored IdPs, sorted. */
export async function listIdpNames(store: CredentialStore): Promise<string[]> {
  const keys = Object.keys(await store.list());
  return keys.filter((k) => k.startsWith(PREFIX)).map((k) =>
    decodeURIComponent(k.slice(PREFIX.length))
  ).sort();
}

/** Forget the IdP and the person's session with it. True when there was one. */
export async function removeIdp(store: CredentialStore, name: string): Promise<boolean> {
  const had = !!(await store.get(idpKey(name)));
  await store.erase(idpKey(name));
  return had;
}

/** The record without its secrets, and the session's state at `now`. */
export function summarize(record: IdpRecord, now: number): IdpSummary {
  const live = !!record.id_token &&
    (record.id_token_expires_at === undefined || record.id_token_expires_at > now);
  return {
    name: record.name,
    issuer: record.issuer,
    clientId: record.client_id,
    hasSecret: !!record.client_secret,
    state: live ? "signed-in" : record.refresh_token ? "refreshable" : "signed-out",
    ...(record.id_token_expires_at !== undefined
      ? { idTokenExpiresAt: record.id_token_expires_at }
      : {}),
  };
}
