/** `mcp-oauth refresh`: refresh now. @module */
import type { Command } from "../command.ts";
import { relativeTime } from "../format.ts";

export const refresh: Command = {
  name: "refresh",
  summary: "refresh a server's token now",
  usage: "refresh <name|url>",
  details: `Uses the refresh token once (under a lock shared by all mcp-oauth processes) and
stores the new token set. Exits 3 when the authorization server refuses it.
When the server issued no refresh token, there is nothing to refresh: it says so
and until when the current token stays valid, and exits 0 (run "authorize" then).

Example:
  mcp-oauth refresh notion`,
  options: {},
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const def = await ctx.engine.resolve(args.positionals[0]!);
    const r = await ctx.engine.refresh(def);
    if (!r.refreshed) {
      ctx.io.out(
        `${def.name} has no refresh token (the server issued none), so nothing was refreshed; the current token stays valid ${
          r.expiresAt
            ? `until ${new Date(r.expiresAt).toISOString()} (${relativeTime(r.expiresAt)})`
            : "until the server refuses it"
        }, then run "mcp-oauth authorize ${def.name}".`,
      );
      return 0;
    }
    ctx.io.out(
      `Refreshed ${def.name}${
        r.expiresAt ? `; the new token expires ${relativeTime(r.expiresAt)}` : ""
      }.`,
    );
    return 0;
  },
};
