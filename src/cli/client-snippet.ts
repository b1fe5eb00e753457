/**
 * The MCP client configuration that reaches a server through mcp-oauth: the entry for Claude
 * Desktop, Cursor or VS Code, by the stdio bridge or the dashboard's proxy. Pure, so both
 * `mcp-oauth config` and the dashboard's "Connect a client" panel print the same.
 *
 * @module
 */

/** The clients with a snippet. */
export const CLIENTS = ["claude", "cursor", "vscode"] as const;

/** One of {@link CLIENTS}. */
export type ClientName = typeof CLIENTS[number];

/** Each client's name and where it keeps the snippet. */
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

/** A word as a POSIX shell reads it back: quoted unless plainly safe. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
