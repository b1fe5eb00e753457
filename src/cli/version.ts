/** The mcp-oauth version, and the build it comes from. @module */

/** Printed by --version and sent as the MCP client version. Kept equal to package.json's. */
export const VERSION = "0.1.0";

// Replaced by `bun build --define MCP_OAUTH_BUILD='"…"'` (scripts/build); absent from source.
declare const MCP_OAUTH_BUILD: string | undefined;

/** The commit a bundle or binary was built from (scripts/build), or undefined from source. */
export const BUILD: string | undefined = typeof MCP_OAUTH_BUILD === "string"
  ? MCP_OAUTH_BUILD
  : undefined;
