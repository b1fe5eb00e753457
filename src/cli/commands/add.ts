/** `mcp-oauth add`: define a server by name. @module */
import { catalogEntryForUrl } from "../../catalog/catalog.ts";
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { compatArg, str } from "../args.ts";
import { dockerStoreWarning } from "../docker-store-warning.ts";
import { CLIENT_SECRET_ENV } from "../client-secret.ts";
import type { Command } from "../command.ts";

export const add: Command = {
  name: "add",
  summary: "define a server by name",
  usage:
    'add <name> [url] [--scopes "a b"] [--client-id ID] [--client-secret S | --client-secret-file PATH] [--client-metadata-url URL] [--no-resource] [--compat docker]',
  details: `Without a URL, the name must be one of the built-in catalog's well-known servers
(notion, linear, sentry, atlassian, github, stripe, …: see "mcp-oauth catalog"); the
catalog also supplies what the server needs (scopes, no resource parameter).

Options:
  --scopes "a b"            request these scopes instead of the server's choice
  --client-id ID            use a client registered with the provider (no DCR)
  --client-secret S         its secret (kept in the credential store, not the config);
                            visible to other local users while the command runs, so
                            prefer one of these:
  --client-secret-file PATH read the secret from a file ("-": the first line of stdin)
  ${CLIENT_SECRET_ENV}   (environment) the secret, read only when --client-id
                            is given in the same command
  --client-metadata-url URL a Client ID Metadata Document URL
  --no-resource             do not send the RFC 8707 resource parameter
  --compat docker           also keep the tokens in Docker MCP gateway's layout, so
                            "docker mcp gateway run" can use them

Examples:
  mcp-oauth add notion
  mcp-oauth add work-linear https://mcp.linear.app/mcp
  mcp-oauth add github --client-id Ov23liAbc --client-secret-file ~/.secrets/github
  ${CLIENT_SECRET_ENV}="$SECRET" mcp-oauth add github --client-id Ov23liAbc
  mcp-oauth add my-server https://mcp.example.com/mcp --scopes "read write" --no-resource`,
  options: {
    scopes: { type: "string" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    // Read by main (client-secret.ts) into "client-secret" before the command runs.
    "client-secret-file": { type: "string" },
    "client-metadata-url": { type: "string" },
    "no-resource": { type: "boolean" },
    compat: { type: "string" },
  },
  positionals: { min: 1, max: 2, names: "a name (and a URL unless the name is in the catalog)" },
  async run(ctx, args) {
    const [name, url] = args.positionals as [string, string | undefined];
    const { updated, definition } = await ctx.engine.addServer({
      name,
      url,
      scopes: str(args, "scopes"),
      clientId: str(args, "client-id"),
      clientSecret: str(args, "client-secret"),
      clientMetadataUrl: str(args, "client-metadata-url"),
      resource: args.values["no-resource"] ? false : undefined,
      compat: compatArg("add", str(args, "compat")),
    });
    const warning = definition.compat === "docker" && dockerStoreWarning(ctx.engine.store);
    if (warning) ctx.io.err(warning);
    const known = catalogEntryForUrl(definition.url);
    ctx.io.out(
      `${updated ? "Updated" : "Added"} ${name} (${definition.url}${
        url ? "" : ", from the built-in catalog"
      }). Next: mcp-oauth authorize ${name}`,
    );
    if (known) ctx.io.out(`Note: ${known.notes}`);
    return 0;
  },
};

/** Fail with UNKNOWN_SERVER unless the name is configured. */
export function unknownServer(name: string): McpOAuthError {
  return new McpOAuthError(
    ErrorCode.UNKNOWN_SERVER,
    `No server named "${name}"; see "mcp-oauth ls".`,
  );
}
