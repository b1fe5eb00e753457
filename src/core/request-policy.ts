/**
 * The URL policy as a value: one object per server decides, for each URL
 * before it is requested, whether it may be: https (or plain http on loopback,
 * or anywhere when the user opted in), and on one of the hosts that server's
 * requests may reach (the SSRF guard of host-policy.ts). oauth4webapi calls get
 * their options from {@link RequestPolicy.oauth}, which sets
 * `allowInsecureRequests` only for a plain-http URL the policy has just
 * allowed: there is no global switch, and no call site can forget the check,
 * because the options are only to be had through it.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { HostScope } from "./host-policy.ts";
import type { HttpContext } from "./http-context.ts";
import { assertAllowedUrl, parseUrl } from "./urls.ts";

/** Options for one oauth4webapi request, as {@link RequestPolicy.oauth} builds them. */
export type OAuthOptions = {
  [oauth.customFetch]: typeof fetch;
  [oauth.allowInsecureRequests]?: boolean;
  [option: string]: unknown;
};

/** Where one server's requests may go. */
export class RequestPolicy {
  readonly #http: Pick<HttpContext, "bounded" | "allowInsecureHttp" | "allowedHosts">;
  readonly #scope: HostScope;

  /**
   * A policy for the server at `serverUrl` (checked itself), widened by its
   * authorization server `issuer` when known.
   */
  constructor(
    http: Pick<HttpContext, "bounded" | "allowInsecureHttp" | "allowedHosts">,
    serverUrl: string | URL,
    what = "MCP server URL",
  ) {
    this.#http = http;
    this.#scope = new HostScope(this.#scheme(serverUrl, what), http.allowedHosts);
  }

  /**
   * Accept the authorization server the server names (RFC 9728 §2): public
   * hosts always, private or loopback ones only as the SSRF guard allows.
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-2
   */
  adoptIssuer(issuer: string | URL, what = "Authorization server"): URL {
    const url = this.#scheme(issuer, what);
    this.#scope.adoptIssuer(url, what);
    return url;
  }

  /**
   * The URL as it may be requested, or one INSECURE_URL / UNTRUSTED_HOST line
   * naming `what` and the way out.
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-1.5
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-7
   */
  allow(url: string | URL, what: string): URL {
    return this.#scope.check(this.#scheme(url, what), what);
  }

  /**
   * oauth4webapi options for one request to `endpoint`: the bounded fetch,
   * and `allowInsecureRequests` only when this policy allowed plain http there.
   * @see https://github.com/panva/oauth4webapi/blob/main/docs/variables/allowInsecureRequests.md
   */
  oauth(endpoint: string, what: string, extra: Record<string, unknown> = {}): OAuthOptions {
    const url = this.allow(endpoint, what);
    return {
      [oauth.customFetch]: this.#http.bounded as typeof fetch,
      ...(url.protocol === "http:" ? { [oauth.allowInsecureRequests]: true } : {}),
      ...extra,
    };
  }

  #scheme(url: string | URL, what: string): URL {
    return assertAllowedUrl(
      typeof url === "string" ? parseUrl(url, what) : url,
      what,
      this.#http.allowInsecureHttp,
    );
  }
}

/**
 * The policy of a stored token record: its server and its issuer. A record
 * read back from the store (ours, or one Docker's gateway wrote, which any
 * program with access to the helper can write) is trusted no more than live
 * metadata.
 */
export function recordPolicy(
  http: Pick<HttpContext, "bounded" | "allowInsecureHttp" | "allowedHosts">,
  record: { resource: string; issuer: string },
  source = "stored token",
): RequestPolicy {
  const what = (name: string) => `The ${source}'s ${name}`;
  const policy = new RequestPolicy(http, record.resource, what("server URL"));
  policy.adoptIssuer(record.issuer, what("issuer"));
  return policy;
}
