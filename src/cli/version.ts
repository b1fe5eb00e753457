/** The mcp-oauth version. @module */

/** Printed by --version and sent as the MCP client version. */
export const VERSION = "0.1.0";
