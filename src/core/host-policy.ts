/**
 * Where discovery may send mcp-oauth (SSRF defence). Metadata comes from the
 * MCP server and its authorization server, so a hostile one could otherwise
 * aim our requests at any host the machine can reach: a router, a cloud
 * metadata service, another company's intranet, or a service on this machine
 * (a POST of a registration or token request to a local admin port). By default
 * a URL learnt from metadata may name only the MCP server's host or the host of
 * the authorization server the server names, and loopback only when the MCP
 * server itself is on loopback; addresses in private, link-local and other
 * reserved ranges are refused unless the user gave that host themselves.
 * `allowedHosts` (config.json settings) widens the set.
 *
 * Host names are not resolved here (core has no DNS): a public name that
 * resolves to a private address is not caught; see docs/SECURITY.md.
 *
 * @module
 */
import { ErrorCode, McpOAuthError } from "./errors.ts";
import { isLoopbackHost } from "./urls.ts";

/** The host part of a URL, lower-case, without IPv6 brackets. */
export function hostOf(url: URL | string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/**
 * True for IP literals outside the public unicast space: RFC 1918, CGNAT,
 * link-local (cloud metadata at 169.254.169.254), unspecified, multicast,
 * reserved, IPv6 unique-local and link-local, and IPv4-mapped forms of them.
 * Loopback is not "private" here: it is handled by {@link isLoopbackHost}.
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
export function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = ipv4(h);
  if (v4) return privateV4(v4);
  if (!h.includes(":")) return false;
  // WHATWG URL parsing has already normalised the literal (e.g. "::ffff:a9fe:a9fe").
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return privateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  if (h === "::" || h === "::1") return h === "::";
  const first = parseInt(h.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated)
    (first & 0xff00) === 0xff00 || // ff00::/8 multicast
    h.startsWith("::ffff:") || h.startsWith("64:ff9b:") || // other mapped/translated forms
    first === 0x2001 && parseInt(h.split(":")[1] || "0", 16) === 0x0db8; // documentation
}

function ipv4(h: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m ? m.slice(1).map(Number) : undefined;
}

function privateV4([a, b]: number[]): boolean {
  // 127/8 is loopback: isLoopbackHost decides about it.
  return a === 0 || a === 10 ||
    a === 100 && b! >= 64 && b! <= 127 || // 100.64/10 CGNAT
    a === 169 && b === 254 || // link-local, cloud metadata
    a === 172 && b! >= 16 && b! <= 31 ||
    a === 192 && b === 168 ||
    a === 192 && b === 0 || // 192.0.0/24, 192.0.2/24
    a === 198 && (b === 18 || b === 19) || // benchmarking
    a! >= 224; // multicast, reserved, broadcast
}

/**
 * The hosts one server's discovery may contact. Built from the MCP server URL
 * the user gave; grows by the authorization server the server names.
 */
export class HostScope {
  readonly #own: Set<string>;
  readonly #allowed: Set<string>;
  /** A server on this machine may name other local ports; a remote one may not. */
  readonly #serverOnLoopback: boolean;

  constructor(serverUrl: URL, allowedHosts: readonly string[] = []) {
    const host = hostOf(serverUrl);
    this.#own = new Set([host]);
    this.#allowed = new Set(allowedHosts.map((h) => h.replace(/^\[|\]$/g, "").toLowerCase()));
    this.#serverOnLoopback = isLoopbackHost(host);
  }

  /**
   * Accept the authorization server a server's metadata names: any public
   * host (the server chooses its own AS, RFC 9728 §2), never a private or
   * loopback address the user did not give (loopback is fine for a server that
   * is itself on loopback). Its host then counts as one of the server's own.
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-2
   */
  adoptIssuer(issuer: URL, what: string): void {
    const host = hostOf(issuer);
    const kind = this.#kind(host);
    if (kind && !this.#permitted(host)) throw this.#refusal(issuer, what, kind);
    this.#own.add(host);
  }

  /**
   * Check a URL that metadata told us to fetch or send secrets to: it must be
   * on one of the server's own hosts, allowed by the user, or on loopback when
   * the server is too. Returns the URL, or throws UNTRUSTED_HOST naming the host
   * and the way to allow it.
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-7
   */
  check(url: URL, what: string): URL {
    const host = hostOf(url);
    if (this.#permitted(host) || (this.#serverOnLoopback && isLoopbackHost(host))) return url;
    throw this.#refusal(url, what, this.#kind(host));
  }

  #permitted(host: string): boolean {
    return this.#own.has(host) || this.#allowed.has(host);
  }

  /** What makes a host sensitive: undefined for a public one. */
  #kind(host: string): "private" | "loopback" | undefined {
    if (isLoopbackHost(host)) return this.#serverOnLoopback ? undefined : "loopback";
    return isPrivateAddress(host) ? "private" : undefined;
  }

  #refusal(url: URL, what: string, kind: "private" | "loopback" | undefined): McpOAuthError {
    const host = hostOf(url);
    return new McpOAuthError(
      ErrorCode.UNTRUSTED_HOST,
      `${what} ${url.href.slice(0, 120)} points at ${
        kind === "private" ? "the private address " : kind === "loopback" ? "this machine, " : ""
      }${host}, not one of the server's own hosts (${
        [...this.#own].join(", ")
      }); not contacting it. If you trust it, add "${host}" to "allowedHosts" in the settings of config.json (or MCP_OAUTH_ALLOWED_HOSTS).`,
    );
  }
}
