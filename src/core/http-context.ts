/**
 * The network settings shared by every engine step, built once by the engine.
 *
 * @module
 */
import {
  boundedFetch,
  DEFAULT_LIMITS,
  type FetchLike,
  type HttpLimits,
  unreadFetch,
} from "./http.ts";

/** How the engine reaches the network. */
export interface HttpContext {
  /** The caller's fetch, unbounded: only for streaming MCP traffic. */
  fetch: FetchLike;
  /** Bounded fetch for metadata, registration and token requests (RFC 9700 §4.11). */
  bounded: FetchLike;
  /** Timed fetch whose body the caller discards (the discovery probe). */
  unread: FetchLike;
  limits: HttpLimits;
  /** Plain http to non-loopback hosts (OAuth 2.1 §1.5); off unless the user opts in. */
  allowInsecureHttp: boolean;
  /** Hosts metadata may send us to besides the server's own (see host-policy.ts). */
  allowedHosts: readonly string[];
}

/** Build the context from a fetch and options. */
export function createHttpContext(
  fetchImpl: FetchLike = globalThis.fetch,
  options: {
    limits?: Partial<HttpLimits>;
    allowInsecureHttp?: boolean;
    allowedHosts?: readonly string[];
  } = {},
): HttpContext {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return {
    fetch: fetchImpl,
    bounded: boundedFetch(fetchImpl, limits),
    unread: unreadFetch(fetchImpl, limits),
    limits,
    allowInsecureHttp: options.allowInsecureHttp ?? false,
    allowedHosts: options.allowedHosts ?? [],
  };
}
