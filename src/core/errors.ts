/**
 * The one error class of mcp-oauth. Every expected failure becomes an
 * `McpOAuthError` whose message is a single line: what failed, which URL or
 * field, and what to do. Messages never contain tokens, codes, verifiers or
 * secrets (RFC 6750 §5.3); callers build them only from safe fields.
 *
 * @module
 */

/** Error codes, stable across releases (tests and `--json` output use them). */
export const ErrorCode = {
  /** A URL the user gave or metadata named is not usable. */
  INVALID_URL: "INVALID_URL",
  /** Plain http to a non-loopback host without the explicit option (OAuth 2.1 §1.5). */
  INSECURE_URL: "INSECURE_URL",
  /** A request could not be sent or got no answer. */
  NETWORK: "NETWORK",
  /** A request took longer than the timeout (RFC 9700 §4.11). */
  TIMEOUT: "TIMEOUT",
  /** A response was larger than the cap (RFC 9700 §4.11). */
  TOO_LARGE: "TOO_LARGE",
  /** No usable protected resource or authorization server metadata. */
  DISCOVERY_FAILED: "DISCOVERY_FAILED",
  /** PRM `resource` differs from the MCP server URL (RFC 9728 §3.3). */
  RESOURCE_MISMATCH: "RESOURCE_MISMATCH",
  /** Metadata points at a host that is not the server's own (SSRF guard). */
  UNTRUSTED_HOST: "UNTRUSTED_HOST",
  /** AS metadata `issuer` differs from the issuer it was fetched for (RFC 8414 §3.3). */
  ISSUER_MISMATCH: "ISSUER_MISMATCH",
  /** The AS does not support PKCE with S256 (RFC 7636 §4.2). */
  PKCE_UNSUPPORTED: "PKCE_UNSUPPORTED",
  /** No way to obtain a client id (MCP client registration). */
  NO_CLIENT: "NO_CLIENT",
  /** Dynamic client registration failed (RFC 7591 §2). */
  REGISTRATION_FAILED: "REGISTRATION_FAILED",
  /** Callback with unknown, replayed or expired state (RFC 6749 §10.12). */
  STATE_MISMATCH: "STATE_MISMATCH",
  /** Callback `iss` missing or not the expected issuer (RFC 9207 §2.4). */
  ISS_MISMATCH: "ISS_MISMATCH",
  /** The AS answered the authorization request with an error. */
  AUTHORIZATION_DENIED: "AUTHORIZATION_DENIED",
  /** Nobody completed the sign-in in time. */
  AUTHORIZATION_TIMEOUT: "AUTHORIZATION_TIMEOUT",
  /** The token endpoint refused a request or answered badly. */
  TOKEN_REQUEST_FAILED: "TOKEN_REQUEST_FAILED",
  /** No usable token and no way to refresh: sign in again (RFC 6749 §5.2). Exit 3. */
  REAUTHORIZATION_NEEDED: "REAUTHORIZATION_NEEDED",
  /** The server keeps answering 403 insufficient_scope after step-up (RFC 6750 §3.1). */
  INSUFFICIENT_SCOPE: "INSUFFICIENT_SCOPE",
  /** The AS rejected the registered client (invalid_client); it was forgotten (RFC 7591 §3). */
  CLIENT_REJECTED: "CLIENT_REJECTED",
  /** Another process is signing in to the same server (one sign-in per server). */
  SIGN_IN_IN_PROGRESS: "SIGN_IN_IN_PROGRESS",
  /** A pre-registered client belongs to another authorization server than the one named now. */
  CLIENT_ISSUER_CHANGED: "CLIENT_ISSUER_CHANGED",
  /** The AS offers no device authorization grant (RFC 8628). */
  DEVICE_FLOW_UNSUPPORTED: "DEVICE_FLOW_UNSUPPORTED",
  /** Revocation at the AS failed (RFC 7009 §2). */
  REVOCATION_FAILED: "REVOCATION_FAILED",
  /** The named server is not configured. */
  UNKNOWN_SERVER: "UNKNOWN_SERVER",
  /** The credential store or config could not be read or written. */
  STORE_FAILED: "STORE_FAILED",
  /** Anything that only a wrong argument can cause. */
  USAGE: "USAGE",
  /** DPoP was required but the AS offers none mcp-oauth can use (RFC 9449 §5.1). */
  DPOP_UNSUPPORTED: "DPOP_UNSUPPORTED",
  /** A DPoP-bound token was asked for where no proof can go with it (RFC 9449 §7). */
  DPOP_BOUND_TOKEN: "DPOP_BOUND_TOKEN",
} as const;

/** One of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What the person can do about an error, as data: the CLI words it as a command
 * to run (src/cli/advice.ts), other callers as they see fit; `message` carries
 * neutral words for library users.
 */
export type Remedy =
  /** Sign in (again) to this server. */
  | { do: "authorize"; server: string; when?: "again" | "first" | "reauthorize" }
  /** The stored tokens could not be saved: fix the store, then sign in again. */
  | { do: "fix-store-then-authorize"; server: string; detail: string; again?: boolean }
  /** The store answered another server's entry. */
  | { do: "check-store"; server: string }
  /** An unknown server name: add it first. */
  | { do: "add"; name: string }
  /** An unreadable stored entry: remove it, then sign in again. */
  | { do: "revoke-then-authorize" }
  /** Bring a client registered with the provider. */
  | { do: "client-id"; why: "no-registration" | "registration-failed" | "unusable-methods" }
  /** The AS refuses the client: check its id and secret, or drop them to register anew. */
  | { do: "check-client" }
  /** A pre-registered client belongs to another AS now. */
  | { do: "client-moved"; server: string }
  /** The account may lack a permission; or the requested scopes are wrong. */
  | { do: "check-scopes" }
  /** No device grant: open the URL elsewhere and paste the redirect back. */
  | { do: "paste-instead" }
  /** The callback port is taken. */
  | { do: "other-port" }
  /** No sign-in within the time given. */
  | { do: "more-time" }
  /** Plain http off loopback. */
  | { do: "use-https" }
  /** A name the catalog lacks: give the URL (the catalog lists the names). */
  | { do: "url-or-catalog" }
  /** A client secret came without its client id. */
  | { do: "client-id-with-secret" }
  /** The enterprise IdP session ended (or was never begun): sign in to the IdP again. */
  | { do: "idp-sign-in"; idp: string }
  /** No enterprise IdP of that name: define it first. */
  | { do: "idp-add"; idp: string }
  /** DPoP was required and the AS has none: add the server without requiring it. */
  | { do: "add-without-dpop"; server: string }
  /** A DPoP-bound token is useless alone: use the server through the proxy or stdio bridge. */
  | { do: "use-dpop-proxy"; server: string };

/**
 * A failure the user can act on; `message` is one line and free of secrets.
 * Callers that reword an error read its data ({@link code}, {@link fact},
 * {@link advice}), never its message.
 */
export class McpOAuthError extends Error {
  /** Stable code, one of {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** What happened, without advice (the whole message when it was given as one). */
  readonly fact: string;
  /** What to do, when it was given apart from the fact. */
  readonly advice?: string;
  /** What to do, as data, for callers that word it themselves (the CLI). */
  readonly remedy?: Remedy;

  /**
   * `message` is the whole line; with `fact` and `advice` given apart instead
   * (message ""), the line is "fact; advice."
   */
  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; fact?: string; advice?: string; remedy?: Remedy },
  ) {
    const fact = options?.fact ?? message.replace(/\.$/, "");
    const line = message || (options?.advice ? `${fact}; ${options.advice}.` : `${fact}.`);
    // Longer than a line of network text: the heading, URL, reason and advice must all fit.
    super(oneLine(line, 600), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "McpOAuthError";
    this.code = code;
    this.fact = oneLine(fact, 600);
    if (options?.advice) this.advice = options.advice;
    if (options?.remedy) this.remedy = options.remedy;
  }
}

/** C0 and C1 controls, and the bidirectional ones. */
// deno-lint-ignore no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/**
 * Make text that came from the network safe to show on one line: control
 * characters become spaces and the length is capped, so a hostile server
 * cannot forge extra output lines or flood the terminal.
 */
export function oneLine(text: string, max = 300): string {
  // Bidirectional controls too: they would reorder what the terminal shows (CVE-2021-42574).
  const flat = text.replace(UNSHOWABLE, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
