/**
 * URL rules shared by every step: which schemes and hosts may be contacted
 * (RFC 8252 §8.1; OAuth 2.1 §1.5), the canonical form of an MCP server URL (RFC 8707 §2), and the
 * well-known URLs to probe, in the spec's order (RFC 9728 §3.1; RFC 8414 §3.1).
 *
 * @module
 */
import { ErrorCode, McpOAuthError } from "./errors.ts";

/**
 * True for hosts that never leave this machine: the name `localhost` and IP literals in
 * 127.0.0.0/8 or ::1. Not `*.localhost`: RFC 6761 §6.3 lets resolvers answer it locally, but
 * Node and Deno ask the system resolver, which may send such a name anywhere.
 * @see https://datatracker.ietf.org/doc/html/rfc6761#section-6.3
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4 !== null && v4.slice(1).every((o) => Number(o) <= 255);
}

/** Parse a URL the user or a server gave, with an error that names it. */
export function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new McpOAuthError(
      ErrorCode.INVALID_URL,
      `${what} is not a valid URL: "${value}". Give an absolute https:// URL.`,
    );
  }
}

/**
 * Check that `url` may be contacted: https anywhere, http only on loopback
 * unless `allowInsecureHttp` is set (OAuth 2.1 §1.5). Any other scheme (javascript:,
 * data:, file:, …) is refused (RFC 8252 §8.1).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-1.5
 */
export function assertAllowedUrl(url: URL, what: string, allowInsecureHttp = false): URL {
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:") {
    if (isLoopbackHost(url.hostname) || allowInsecureHttp) return url;
    throw new McpOAuthError(ErrorCode.INSECURE_URL, "", {
      fact: `${what} ${url.href} uses plain http on a non-loopback host`,
      advice: "use https, or set allowInsecureHttp for development only",
      remedy: { do: "use-https" },
    });
  }
  throw new McpOAuthError(
    ErrorCode.INSECURE_URL,
    `${what} has the scheme "${url.protocol}" (${
      url.href.slice(0, 80)
    }); only https (or http on loopback) is allowed.`,
  );
}

/**
 * Canonical URI of an MCP server: no fragment, lower-case scheme and host,
 * and no trailing slash.
 * @see https://datatracker.ietf.org/doc/html/rfc8707#section-2
 */
export function canonicalResource(url: URL | string): string {
  const u = new URL(url);
  u.hash = "";
  if (u.pathname === "/" && !u.search) return u.origin;
  if (u.pathname.length > 1 && u.pathname.endsWith("/")) {
    u.pathname = u.pathname.replace(/\/+$/, "") || "/";
    if (u.pathname === "/" && !u.search) return u.origin;
  }
  return u.href;
}

/**
 * Protected resource metadata URLs for a server URL, in the order RFC 9728 §3.1 tries
 * them: path-inserted, then root (the same URL when the server has no path).
 * @see https://datatracker.ietf.org/doc/html/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrls(serverUrl: URL): string[] {
  const path = pathOf(serverUrl);
  const root = `${serverUrl.origin}/.well-known/oauth-protected-resource`;
  return path ? [`${root}${path}`, root] : [root];
}

/**
 * Authorization server metadata URLs for an issuer, in the order RFC 8414 §3.1 tries
 * them: RFC 8414 path insertion, OpenID path insertion, OpenID appended.
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-3.1
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function authorizationServerMetadataUrls(issuer: URL): string[] {
  const path = pathOf(issuer);
  const o = issuer.origin;
  if (!path) {
    return [`${o}/.well-known/oauth-authorization-server`, `${o}/.well-known/openid-configuration`];
  }
  return [
    `${o}/.well-known/oauth-authorization-server${path}`,
    `${o}/.well-known/openid-configuration${path}`,
    `${o}${path}/.well-known/openid-configuration`,
  ];
}

/** The path (and query) to insert after the well-known segment, "" for the root. */
function pathOf(url: URL): string {
  const path = url.pathname.replace(/\/+$/, "");
  return path + url.search;
}
