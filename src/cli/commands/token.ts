/** `mcp-oauth token`: print a valid access token. @module */
import type { Command } from "../command.ts";

export const token: Command = {
  name: "token",
  summary: "print a valid access token (refreshing if needed)",
  usage: "token <name|url> [--json]",
  details: `Prints only the access token on stdout, refreshing it first when it is about to
expire. Exits 3 when a new sign-in is needed (run "mcp-oauth authorize").

--json prints {"access_token", "token_type", "expires_at" (RFC 3339 or null), "scope"}.

Examples:
  curl -H "Authorization: Bearer $(mcp-oauth token notion)" https://mcp.notion.com/mcp
  mcp-oauth token linear --json`,
  options: { json: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const def = await ctx.engine.resolve(args.positionals[0]!);
    if (!args.values.json) {
      ctx.io.out(await ctx.engine.getAccessToken(def));
      return 0;
    }
    const t = await ctx.engine.getTokenSet(def);
    ctx.io.out(JSON.stringify({
      access_token: t.access_token,
      token_type: t.token_type,
      expires_at: t.expires_at ? new Date(t.expires_at).toISOString() : null,
      scope: t.scope ?? null,
    }));
    return 0;
  },
};
