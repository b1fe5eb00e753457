/** `mcp-oauth config`: MCP client configuration snippets. @module */
import { ProxyKeyFile } from "../../store/proxy-key.ts";
import { int, str, usageError } from "../args.ts";
import type { Command } from "../command.ts";

const CLIENTS = ["claude", "cursor", "vscode"] as const;

export const config: Command = {
  name: "config",
  summary: "print the snippet that adds a server to Claude, Cursor or VS Code",
  usage: "config <name> --client claude|cursor|vscode [--transport stdio|proxy] [--port 7777]",
  details: `Prints JSON to paste into the client's MCP configuration, using either the stdio
bridge ("mcp-oauth stdio NAME", the default) or the local proxy of "mcp-oauth serve"
(http://127.0.0.1:PORT/mcp/NAME with the proxy key as a bearer token; the client never
sees the server's own token).

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
    let entry: Record<string, unknown>;
    if (transport === "stdio") {
      entry = { command: "mcp-oauth", args: ["stdio", name] };
      if (client === "vscode") entry = { type: "stdio", ...entry };
    } else {
      const key = await new ProxyKeyFile(ctx.home).get();
      entry = {
        url: `http://127.0.0.1:${port}/mcp/${name}`,
        headers: { Authorization: `Bearer ${key}` },
      };
      if (client === "vscode") entry = { type: "http", ...entry };
    }
    const root = client === "vscode" ? "servers" : "mcpServers";
    ctx.io.out(JSON.stringify({ [root]: { [name]: entry } }, null, 2));
    if (transport === "proxy") {
      ctx.io.err(`The proxy runs with "mcp-oauth serve --port ${port}"; keep it running.`);
    }
    return 0;
  },
};
