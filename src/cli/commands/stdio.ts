/** `mcp-oauth stdio`: a stdio MCP server that forwards to a remote one. @module */
import { SIGN_IN_HELP, SIGN_IN_OPTIONS, signInOptionsFrom } from "../sign-in-options.ts";
import type { Command } from "../command.ts";

export const stdio: Command = {
  name: "stdio",
  summary: "bridge a stdio MCP client to a remote OAuth server",
  usage: "stdio <name|url> [sign-in options]",
  details: `Speaks MCP over stdin/stdout and forwards every message to the server over
Streamable HTTP with the stored token (refreshed as needed). When a sign-in is
needed it opens the browser once and waits. Logs go to stderr only.

For MCP clients that only start local programs, e.g. Claude Desktop:
  {"mcpServers": {"notion": {"command": "mcp-oauth", "args": ["stdio", "notion"]}}}
("mcp-oauth config notion --client claude" prints that snippet.)

Sign-in options:
${SIGN_IN_HELP}

Example:
  mcp-oauth stdio notion`,
  options: SIGN_IN_OPTIONS,
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const options = signInOptionsFrom("stdio", args);
    const def = await ctx.engine.resolve(args.positionals[0]!);
    const { bridgeStdio } = await import("../stdio-bridge.ts");
    await bridgeStdio(ctx, def, options);
    return 0;
  },
};
