/**
 * Scope selection (MCP scope selection), written by hand: no library knows MCP's rule.
 *
 * @module
 */
import type { AuthorizationServerMetadata, ResourceMetadata } from "./discover.ts";

/** Split a space-separated scope string into unique scopes. */
export function splitScopes(scope: string | undefined | null): string[] {
  return [...new Set((scope ?? "").split(/\s+/).filter(Boolean))];
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** True for a well-formed scope-token (RFC 6749 §3.3). */
export function isScopeToken(scope: string): boolean {
  return SCOPE_TOKEN.test(scope);
}

/**
 * The well-formed scopes of a value a server sent (a space-separated string or
 * a list): anything else, such as control characters that could rewrite the
 * terminal when shown, or a list of numbers, is dropped.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-3.3
 */
export function scopeTokens(value: unknown): string[] {
  const list = typeof value === "string"
    ? splitScopes(value)
    : Array.isArray(value)
    ? value.filter((s): s is string => typeof s === "string")
    : [];
  return [...new Set(list.filter((s) => SCOPE_TOKEN.test(s)))];
}

/**
 * The scopes to request: the user's configured scopes, else the challenge's
 * `scope`, else all of PRM `scopes_supported`, else none; plus
 * `offline_access` when the AS lists it. Never invented defaults.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
 */
export function selectScopes(input: {
  configured?: string[];
  challenge?: string;
  prm?: ResourceMetadata;
  as: AuthorizationServerMetadata;
  /** Scopes already held, added on step-up (RFC 6750 §3.1). */
  held?: string[];
}): string[] {
  // Servers' values are checked: metadata is untrusted JSON and may hold any type.
  const challenged = scopeTokens(input.challenge);
  let scopes: string[];
  if (input.configured?.length) scopes = [...input.configured];
  else if (challenged.length) scopes = challenged;
  else scopes = scopeTokens(input.prm?.scopes_supported);
  if (input.held) scopes = [...input.held, ...scopes];
  // offline_access rides along with other scopes; alone it would ask for nothing else,
  // where MCP scope selection says to omit `scope`.
  if (
    scopes.length && Array.isArray(input.as.scopes_supported) &&
    input.as.scopes_supported.includes("offline_access")
  ) {
    scopes.push("offline_access");
  }
  return [...new Set(scopes)];
}
