/**
 * Scope selection (S14), written by hand: no library knows MCP's rule.
 *
 * @module
 */
import type { AuthorizationServerMetadata, ResourceMetadata } from "./discover.ts";

/** Split a space-separated scope string into unique scopes. */
export function splitScopes(scope: string | undefined | null): string[] {
  return [...new Set((scope ?? "").split(/\s+/).filter(Boolean))];
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
  /** Scopes already held, added on step-up (S22). */
  held?: string[];
}): string[] {
  let scopes: string[];
  if (input.configured?.length) scopes = [...input.configured];
  else if (input.challenge) scopes = splitScopes(input.challenge);
  else if (Array.isArray(input.prm?.scopes_supported)) {
    scopes = input.prm.scopes_supported.filter((s) => typeof s === "string");
  } else scopes = [];
  if (input.held) scopes = [...input.held, ...scopes];
  // offline_access rides along with other scopes; alone it would ask for nothing else,
  // where S14 says to omit `scope`.
  if (scopes.length && input.as.scopes_supported?.includes("offline_access")) {
    scopes.push("offline_access");
  }
  return [...new Set(scopes)];
}
