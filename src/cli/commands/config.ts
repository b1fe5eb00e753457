/** `mcp-oauth config`: MCP client configuration snippets. @module */
import { ProxyKeyFile } from "../../store/proxy-key.ts";
import { int, str, usageError } from "../args.ts";
import { carriedGlobals } from "../client-config.ts";
import { type ClientName, CLIENTS, clientSnippet, shellWord } from "../client-snippet.ts";
import type { Command } from "../command.ts";

export const config: Command = {
  name: "config",
  summary: "print the snippet that adds a server to Claude, Cursor or VS Code",
  usage: "config <name> --client claude|cursor|vscode [--transport stdio|proxy] [--port 7777]",
  details: `Prints JSON to paste into the client's MCP configuration, using either the stdio
bridge ("mcp-oauth stdio NAME", the default) or the local proxy of "mcp-oauth serve"
(http://127.0.0.1:PORT/mcp/NAME with the proxy key as a bearer token; the client never
sees the server's own token). A --home, --store or --insecure-http this command was
given (or found in $MCP_OAUTH_HOME, $MCP_OAUTH_STORE) is repeated in the stdio command,
so the client's mcp-oauth finds the same servers and tokens.

  claude   claude_desktop_config.json ("mcpServers"; stdio only)
  cursor   ~/.cursor/mcp.json ("mcpServers")
  vscode   .vscode/mcp.json ("servers")

Examples:
  mcp-oauth config notion --client claude
  mcp-oauth config linear --client cursor --transport proxy`,
  options: { client: { type: "string" }, transport: { type: "string" }, port: { type: "string" } },
  positionals: { min: 1, max: 1, names: "a server name" },
  async run(ctx, args) {
    const client = str(args, "client");
    if (!client || !(CLIENTS as readonly string[]).includes(client)) {
      throw usageError("config", `--client must be one of ${CLIENTS.join(", ")}`);
    }
    const transport = str(args, "transport") ?? "stdio";
    if (transport !== "stdio" && transport !== "proxy") {
      throw usageError("config", `--transport must be stdio or proxy, not "${transport}"`);
    }
    if (client === "claude" && transport === "proxy") {
      throw usageError(
        "config",
        "Claude Desktop's config file takes local commands only; use --transport stdio",
      );
    }
    const name = args.positionals[0]!;
    const def = await ctx.engine.servers.get(name);
    if (!def) {
      throw usageError(
        "config",
        `no server named "${name}"; add it first with "mcp-oauth add ${name} URL"`,
      );
    }
    const port = int("config", args, "port", 1, 65_535) ?? 7777;
    const globals = await carriedGlobals(ctx, args);
    const snippet = clientSnippet(client as ClientName, {
      name,
      transport,
      port,
      globals,
      proxyKey: transport === "proxy" ? await new ProxyKeyFile(ctx.home).get() : "",
    });
    ctx.io.out(JSON.stringify(snippet, null, 2));
    if (transport === "proxy") {
      const serve = ["mcp-oauth", "serve", "--port", String(port), ...globals.map(shellWord)];
      ctx.io.err(`The proxy runs with "${serve.join(" ")}"; keep it running.`);
    }
    return 0;
  },
};
