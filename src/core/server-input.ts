/**
 * Validation of a server definition as a person types it (CLI `add`, the
 * dashboard's add form): one-line usage errors naming the bad value.
 *
 * @module
 */
import type { GrantConfig } from "./grants/grant.ts";
import type { ServerCatalog, ServerDefinition } from "./ports.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import { isScopeToken, splitScopes } from "./scopes.ts";
import { assertAllowedUrl, parseUrl } from "./urls.ts";

/** What a person gives to add a server. */
export interface ServerInput {
  name: string;
  /** Empty or absent: the URL of the built-in catalog's entry of that name. */
  url?: string;
  /** Space-separated; empty or absent means "let the spec choose" (MCP scope selection). */
  scopes?: string;
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  /** false for servers that reject RFC 8707 `resource` (RFC 8707 §2). */
  resource?: boolean;
  compat?: "docker";
  /** A machine grant instead of the browser sign-in (core/grants/grant.ts). */
  grant?: GrantConfig;
  /** A private_key_jwt client's PKCS#8 PEM key: kept in the credential store. */
  privateKey?: string;
  /** Require DPoP-bound tokens (true) or never ask for them (false) (RFC 9449). */
  dpop?: boolean;
}

/** Names are short words so they work unquoted in shells and URLs. */
export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Check `input` and return the definition to store (without secrets). Without a URL,
 * the name must be in `catalog`; a server of the catalog gets the scopes and `resource`
 * choice the catalog gives, unless set here.
 * @throws McpOAuthError USAGE naming the bad field
 */
export function validateServerInput(
  input: ServerInput,
  allowInsecureHttp: boolean,
  catalog?: ServerCatalog,
): ServerDefinition {
  const usage = (message: string) => new McpOAuthError(ErrorCode.USAGE, message);
  if (!SERVER_NAME.test(input.name)) {
    throw usage(
      `"${input.name}" is not a valid name: use letters, digits, ".", "_" or "-" (at most 64)`,
    );
  }
  let url = input.url?.trim() ?? "";
  if (!url) {
    const entry = catalog?.entry(input.name);
    if (!entry) {
      throw new McpOAuthError(ErrorCode.USAGE, "", {
        fact: `"${input.name}" is not in the built-in catalog`,
        advice: "give the server's URL too",
        remedy: { do: "url-or-catalog" },
      });
    }
    if (entry.registration === "pre-registered" && !input.clientId) {
      throw usage(`${entry.title} needs a client you register yourself: ${entry.notes}`);
    }
    url = entry.url;
  }
  try {
    assertAllowedUrl(parseUrl(url, "Server URL"), "Server URL", allowInsecureHttp);
  } catch (err) {
    // A usage error (exit 2), with the same fact and remedy.
    if (!(err instanceof McpOAuthError)) throw err;
    throw new McpOAuthError(ErrorCode.USAGE, err.message, {
      fact: err.fact,
      advice: err.advice,
      remedy: err.remedy,
    });
  }
  serverUrlArgument(url);
  if (input.clientSecret && !input.clientId) {
    throw new McpOAuthError(ErrorCode.USAGE, "", {
      fact: "A client secret was given without its client id",
      advice: "give the client id too",
      remedy: { do: "client-id-with-secret" },
    });
  }
  const cimd = input.clientMetadataUrl
    ? validClientMetadataUrl(input.clientMetadataUrl)
    : undefined;
  const known = catalog?.entryForUrl(url);
  const scopes = input.scopes !== undefined && input.scopes.trim() !== ""
    ? scopesArgument(input.scopes)
    : known?.scopes;
  const def: ServerDefinition = { name: input.name, url };
  if (scopes) def.scopes = [...scopes];
  if (input.clientId) def.clientId = input.clientId;
  if (cimd) def.clientMetadataUrl = cimd;
  if (input.resource === false || (input.resource === undefined && known?.resource === false)) {
    def.resource = false;
  }
  if (input.compat) def.compat = input.compat;
  if (input.dpop !== undefined) def.dpop = input.dpop;
  return def;
}

/**
 * A Client ID Metadata Document URL must be https with a path (MCP client registration).
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function validClientMetadataUrl(value: string): string {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch { /* reported below */ }
  if (!u || u.protocol !== "https:" || u.pathname === "/") {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `--client-metadata-url must be an https URL with a path, not "${value}"`,
    );
  }
  return u.href;
}

/**
 * A server URL typed by a person (`add`, or a URL where a name is accepted): absolute, http or
 * https, and without a user name or password, which would end up in config.json and in output.
 * @throws McpOAuthError USAGE naming what is wrong
 */
export function serverUrlArgument(value: string): URL {
  let url: URL;
  try {
    url = assertAllowedUrl(parseUrl(value, "Server URL"), "Server URL", true);
  } catch (err) {
    throw new McpOAuthError(ErrorCode.USAGE, (err as Error).message);
  }
  if (url.username || url.password) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      'Server URL must not carry a user name or password ("user:password@"); give the URL without them',
    );
  }
  return url;
}

/**
 * Space-separated scopes typed by a person, each a valid scope token.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-3.3
 * @throws McpOAuthError USAGE naming the first bad scope
 */
export function scopesArgument(value: string): string[] {
  const scopes = splitScopes(value);
  const bad = scopes.find((s) => !isScopeToken(s));
  if (bad !== undefined) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The scopes have "${
        oneLine(bad, 40)
      }", which is not a scope: use printable ASCII without quotes or backslashes, separated by spaces`,
    );
  }
  return scopes;
}
