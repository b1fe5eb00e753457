/** `mcp-oauth token`: print a valid access token. @module */
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import type { Command } from "../command.ts";

export const token: Command = {
  name: "token",
  summary: "print a valid access token (refreshing if needed)",
  usage: "token <name|url> [--json]",
  details: `Prints only the access token on stdout, refreshing it first when it is about to
expire. Exits 3 when a new sign-in is needed (run "mcp-oauth authorize").
A server added with --grant (client credentials, a workload JWT, an enterprise IdP)
never needs one: its grant gets a new token whenever the old one has expired.

--json prints {"access_token", "token_type", "expires_at" (RFC 3339 or null), "scope"}.

A DPoP-bound token (RFC 9449) is not printed: it is useless without a proof per
request made with a key only mcp-oauth holds. Use the server through
"mcp-oauth serve" or "mcp-oauth stdio <name>", which add the proofs.

Examples:
  curl -H "Authorization: Bearer $(mcp-oauth token notion)" https://mcp.notion.com/mcp
  mcp-oauth token linear --json`,
  options: { json: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const def = await ctx.engine.resolve(args.positionals[0]!);
    const t = await ctx.engine.getTokenSet(def);
    // RFC 9449 §7: a bound token goes with a proof of the key, which never leaves the store.
    if (t.token_type.toLowerCase() === "dpop") {
      throw new McpOAuthError(ErrorCode.DPOP_BOUND_TOKEN, "", {
        fact:
          `${def.name}'s token is DPoP-bound to a key held by mcp-oauth and is useless without its proofs, so it is not printed`,
        advice: "use the server through the proxy or the stdio bridge, which add the proofs",
        remedy: { do: "use-dpop-proxy", server: def.name },
      });
    }
    if (!args.values.json) {
      ctx.io.out(t.access_token);
      return 0;
    }
    ctx.io.out(JSON.stringify({
      access_token: t.access_token,
      token_type: t.token_type,
      expires_at: t.expires_at ? new Date(t.expires_at).toISOString() : null,
      scope: t.scope ?? null,
    }));
    return 0;
  },
};
