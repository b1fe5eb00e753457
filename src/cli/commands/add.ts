/** `mcp-oauth add`: define a server by name. @module */
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { splitScopes } from "../../core/scopes.ts";
import { assertAllowedUrl, parseUrl } from "../../core/urls.ts";
import type { ServerDefinition } from "../../store/server-registry.ts";
import { checkArgument, clientMetadataUrlArg, compatArg, str, usageError } from "../args.ts";
import type { Command } from "../command.ts";

/** Names are short words so they work unquoted in shells and URLs. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const add: Command = {
  name: "add",
  summary: "define a server by name",
  usage:
    'add <name> <url> [--scopes "a b"] [--client-id ID] [--client-secret S] [--client-metadata-url URL] [--no-resource] [--compat docker]',
  details: `Options:
  --scopes "a b"            request these scopes instead of the server's choice
  --client-id ID            use a client registered with the provider (no DCR)
  --client-secret S         its secret (kept in the credential store, not the config)
  --client-metadata-url URL a Client ID Metadata Document URL
  --no-resource             do not send the RFC 8707 resource parameter
  --compat docker           also keep the tokens in Docker MCP gateway's layout, so
                            "docker mcp gateway run" can use them

Examples:
  mcp-oauth add notion https://mcp.notion.com/mcp
  mcp-oauth add gh https://api.githubcopilot.com/mcp/ --client-id Iv1.abc --client-secret "$SECRET"`,
  options: {
    scopes: { type: "string" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    "client-metadata-url": { type: "string" },
    "no-resource": { type: "boolean" },
    compat: { type: "string" },
  },
  positionals: { min: 2, max: 2, names: "a name and a URL" },
  async run(ctx, args) {
    const [name, url] = args.positionals as [string, string];
    if (!NAME.test(name)) {
      throw usageError(
        "add",
        `"${name}" is not a valid name: use letters, digits, ".", "_" or "-" (at most 64)`,
      );
    }
    checkArgument(() =>
      assertAllowedUrl(parseUrl(url, "Server URL"), "Server URL", ctx.engine.http.allowInsecureHttp)
    );
    const secret = str(args, "client-secret");
    const clientId = str(args, "client-id");
    if (secret && !clientId) throw usageError("add", "--client-secret needs --client-id");
    const cimd = clientMetadataUrlArg("add", str(args, "client-metadata-url"));
    const existing = await ctx.engine.servers.get(name);
    const def: ServerDefinition = {
      name,
      url,
      scopes: str(args, "scopes") !== undefined ? splitScopes(str(args, "scopes")) : undefined,
      clientId,
      clientMetadataUrl: cimd,
      resource: args.values["no-resource"] ? false : undefined,
      compat: compatArg("add", str(args, "compat")),
      // Keep what the last sign-in learnt only while the URL is unchanged.
      issuer: existing?.url === url ? existing.issuer : undefined,
    };
    if (secret && clientId) await ctx.engine.saveClientSecret(def, clientId, secret);
    await ctx.engine.servers.put(JSON.parse(JSON.stringify(def)));
    ctx.io.out(
      `${existing ? "Updated" : "Added"} ${name} (${url}). Next: mcp-oauth authorize ${name}`,
    );
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
