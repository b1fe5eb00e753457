/**
 * The MCP client configuration that reaches a server through mcp-oauth: the entry for Claude
 * Desktop, Cursor or VS Code, by the stdio bridge or the dashboard's proxy. Shared by
 * `mcp-oauth config` and the dashboard's "Connect a client" panel, so both print the same.
 *
 * @module
 */
import { mcpOAuthHome } from "../runtime/paths.ts";
import { realHome } from "../store/private-home.ts";
import { type ParsedArgs, str } from "./args.ts";
import type { CliContext } from "./context.ts";

/** The clients with a snippet. */
export const CLIENTS = ["claude", "cursor", "vscode"] as const;

/** One of {@link CLIENTS}. */
export type ClientName = typeof CLIENTS[number];

/** Where each client keeps the snippet, and what it is called there. */
export const CLIENT_FILES: Record<ClientName, { title: string; file: string }> = {
  claude: { title: "Claude Desktop", file: "claude_desktop_config.json" },
  cursor: { title: "Cursor", file: "~/.cursor/mcp.json" },
  vscode: { title: "VS Code", file: ".vscode/mcp.json" },
};

/** What a snippet needs besides the client. */
export interface SnippetOptions {
  /** The server's name in mcp-oauth. */
  name: string;
  transport: "stdio" | "proxy";
  /** The dashboard's port (proxy). */
  port: number;
  /** Global options the stdio command must repeat: `--home DIR`, `--store S`. */
  globals: string[];
  /** The proxy key (proxy); a placeholder where it is not to be shown. */
  proxyKey: string;
}

/**
 * The configuration file content that adds `o.name` to `client`. Claude Desktop's file takes
 * local commands only: it has no proxy snippet (undefined).
 * @see https://modelcontextprotocol.io/quickstart/user
 * @see https://code.visualstudio.com/docs/copilot/chat/mcp-servers
 */
export function clientSnippet(
  client: ClientName,
  o: SnippetOptions,
): Record<string, unknown> | undefined {
  let entry: Record<string, unknown>;
  if (o.transport === "stdio") {
    entry = { command: "mcp-oauth", args: ["stdio", o.name, ...o.globals] };
    if (client === "vscode") entry = { type: "stdio", ...entry };
  } else {
    if (client === "claude") return undefined;
    entry = {
      url: `http://127.0.0.1:${o.port}/mcp/${encodeURIComponent(o.name)}`,
      headers: { Authorization: `Bearer ${o.proxyKey}` },
    };
    if (client === "vscode") entry = { type: "http", ...entry };
  }
  return { [client === "vscode" ? "servers" : "mcpServers"]: { [o.name]: entry } };
}

/**
 * The global options an MCP client's `mcp-oauth` must be given to find what this one found:
 * `--home` unless it is the default home (a client starts it with its own environment, without
 * $MCP_OAUTH_HOME), `--store` when chosen by option or $MCP_OAUTH_STORE (a home's
 * `settings.store` travels with the home), `--insecure-http` when on.
 */
export async function carriedGlobals(ctx: CliContext, args: ParsedArgs): Promise<string[]> {
  const globals: string[] = [];
  const fallback = { ...ctx.io.env, MCP_OAUTH_HOME: undefined };
  if (ctx.home !== await realHome(mcpOAuthHome(undefined, fallback))) {
    globals.push("--home", ctx.home);
  }
  const store = str(args, "store") ?? ctx.io.env.MCP_OAUTH_STORE;
  if (store) globals.push("--store", store);
  if (args.values["insecure-http"] === true || ctx.io.env.MCP_OAUTH_INSECURE_HTTP === "1") {
    globals.push("--insecure-http");
  }
  return globals;
}
