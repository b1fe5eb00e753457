/**
 * What an MCP client's `mcp-oauth` must be told to find this one's servers and tokens: the
 * global options repeated in `mcp-oauth config` snippets and the dashboard's "Connect a
 * client" panel (the snippets themselves: client-snippet.ts).
 *
 * @module
 */
import { mcpOAuthHome } from "../runtime/paths.ts";
import { realHome } from "../store/private-home.ts";
import { type ParsedArgs, str } from "./args.ts";
import type { CliContext } from "./context.ts";

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
