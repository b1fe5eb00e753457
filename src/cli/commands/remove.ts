/** `mcp-oauth remove`: forget a server and its tokens. @module */
import type { Command } from "../command.ts";
import { unknownServer } from "./add.ts";

export const remove: Command = {
  name: "remove",
  summary: "revoke a server's tokens and forget it",
  usage: "remove <name>",
  details: `Revokes the server's tokens at its authorization server (best effort), deletes them
locally, and removes the server from the config.

Example:
  mcp-oauth remove notion`,
  options: {},
  positionals: { min: 1, max: 1, names: "a server name" },
  async run(ctx, args) {
    const name = args.positionals[0]!;
    const def = await ctx.engine.servers.get(name);
    if (!def) throw unknownServer(name);
    const result = await ctx.engine.remove(def);
    for (const f of result.failures) ctx.io.err(`warning: ${f}`);
    ctx.io.out(`Removed ${name}${result.hadToken ? " and its tokens" : ""}.`);
    return 0;
  },
};
