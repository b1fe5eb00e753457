/**
 * The grant strategy interface: how a server with no person present gets its tokens. A
 * server's {@link GrantConfig} (no secrets) is stored in its definition; absent, the server
 * signs in with the browser (authorization code + PKCE) as before. The token service asks the
 * server's {@link GrantStrategy} for a new token, under the same lock as a refresh, whenever
 * there is none or it expired without a refresh token, so `token`, `tools`, `call`, the proxy
 * and the stdio bridge never open a browser for such a server.
 *
 * @see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1046 (client credentials)
 * @see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1933 (workload identity)
 * @see https://github.com/modelcontextprotocol/ext-auth (enterprise-managed authorization)
 * @module
 */
import type * as oauth from "oauth4webapi";
import type { Discovery } from "../discover.ts";
import type { HttpContext } from "../http-context.ts";
import type { Lock } from "../lock.ts";
import type { CredentialStore, ServerDefinition } from "../ports.ts";
import type { TokenRecord } from "../records.ts";
import type { RequestPolicy } from "../request-policy.ts";
import type { ResolvedServer } from "../token-service.ts";

/** How a client-credentials client authenticates at the token endpoint (RFC 8414 §2). */
export type ClientCredentialsAuth =
  | "client_secret_basic"
  | "client_secret_post"
  | "private_key_jwt";

/**
 * A server's machine grant, stored in {@link ServerDefinition.grant}: never a secret (the
 * client secret, private key, IdP tokens live in the credential store; an assertion is read
 * from the named file or variable at every token request).
 */
export type GrantConfig =
  /** RFC 6749 §4.4; `alg` is the private_key_jwt signing algorithm (RFC 7523 §2.2). */
  | { kind: "client_credentials"; auth: ClientCredentialsAuth; alg?: string }
  /** RFC 7523 §2.1 with a platform-issued JWT (workload identity federation). */
  | { kind: "jwt_bearer"; assertion: { file: string } | { env: string } }
  /** SEP-990: an ID-JAG from the enterprise IdP `idp`, presented as a jwt-bearer grant. */
  | { kind: "id_jag"; idp: string };

/** The kinds of machine grant. */
export type GrantKind = GrantConfig["kind"];

/**
 * What the runtime lends a grant: environment variables and files, which the core cannot
 * reach itself (no `node:` imports). The CLI gives the process's own.
 */
export interface GrantEnvironment {
  /** The value of an environment variable, or undefined. */
  env(name: string): string | undefined;
  /** A file's text (an assertion the platform rotates); rejects when it cannot be read. */
  readFile(path: string): Promise<string>;
}

/** Everything a strategy needs to obtain one token set. */
export interface GrantContext<G extends GrantConfig = GrantConfig> {
  http: HttpContext;
  store: CredentialStore;
  /** Where this server's requests may go; oauth4webapi options come only from it. */
  policy: RequestPolicy;
  /** Fresh discovery: AS metadata (token endpoint, issuer) and the resource indicator. */
  discovery: Discovery;
  /** The server as the token service resolved it (canonical URL, issuer). */
  server: ResolvedServer;
  definition: ServerDefinition;
  grant: G;
  /** The client id (pre-registered; for jwt_bearer the one the AS knows the workload by). */
  clientId: string;
  /** Scopes to ask for, space separated, if any (MCP scope selection). */
  scope?: string;
  /** Send RFC 8707 `resource` (false for servers that reject it). */
  sendResource: boolean;
  now: () => number;
  /** The token service's cross-process lock, for state a grant shares (an IdP's session). */
  lock: Lock;
  environment: GrantEnvironment;
  /** Present when the token must be DPoP-bound: pass it as oauth4webapi's `DPoP` option. */
  dpop?: oauth.DPoPHandle;
  /** RFC 7638 thumbprint of the key behind {@link dpop}: kept in the record (`dpop_jkt`). */
  dpopJkt?: string;
}

/** One way to obtain a token set without a browser. */
export interface GrantStrategy<G extends GrantConfig = GrantConfig> {
  kind: G["kind"];
  /**
   * One token request (no fallback to another grant); the record it resolves to is stored
   * by the token service under `tokenKey(record.issuer, record.resource)`. Rejects with an
   * McpOAuthError whose message is one line naming what to fix.
   */
  obtain(ctx: GrantContext<G>): Promise<TokenRecord>;
}

/** Type guard for a stored grant (the config file is edited by people). */
export function isGrantConfig(x: unknown): x is GrantConfig {
  if (!x || typeof x !== "object") return false;
  const g = x as Record<string, unknown>;
  switch (g.kind) {
    case "client_credentials":
      return (g.auth === "client_secret_basic" || g.auth === "client_secret_post" ||
        g.auth === "private_key_jwt") && (g.alg === undefined || typeof g.alg === "string");
    case "jwt_bearer": {
      const a = g.assertion as Record<string, unknown> | undefined;
      return !!a && typeof a === "object" &&
        (typeof a.file === "string" || typeof a.env === "string");
    }
    case "id_jag":
      return typeof g.idp === "string" && g.idp.length > 0;
    default:
      return false;
  }
}

/** How `ls`, the dashboard and `token` name a server's grant ("browser" when it has none). */
export function describeGrant(grant: GrantConfig | undefined): string {
  switch (grant?.kind) {
    case undefined:
      return "browser";
    case "client_credentials":
      return `client credentials (${grant.auth})`;
    case "jwt_bearer":
      return "workload JWT";
    case "id_jag":
      return `enterprise IdP ${grant.idp}`;
  }
}
