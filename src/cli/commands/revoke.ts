/** `mcp-oauth revoke`: revoke at the AS and delete locally. @module */
import { usageError } from "../args.ts";
import type { Command } from "../command.ts";

export const revoke: Command = {
  name: "revoke",
  summary: "revoke tokens at the authorization server and delete them",
  usage: "revoke <name|url> | --all [--forget-client]",
  details: `Revokes the refresh token, then the access token, at the authorization server's
revocation endpoint (RFC 7009), then deletes them locally. The local delete happens
even when the server fails; the failure is reported and the exit code is 1.

Options:
  --all            every configured server
  --forget-client  also forget the client registration (the next sign-in registers anew)

Examples:
  mcp-oauth revoke notion
  mcp-oauth revoke --all --forget-client`,
  options: { all: { type: "boolean" }, "forget-client": { type: "boolean" } },
  positionals: { min: 0, max: 1, names: "a server name or URL, or --all" },
  async run(ctx, args) {
    const all = args.values.all === true;
    if (all === (args.positionals.length === 1)) {
      throw usageError("revoke", "give either a server or --all");
    }
    const defs = all
      ? await ctx.engine.servers.list()
      : [await ctx.engine.resolve(args.positionals[0]!)];
    let failed = false;
    for (const def of defs) {
      const r = await ctx.engine.revoke(def, {
        forgetClient: args.values["forget-client"] === true,
      });
      for (const f of r.failures) ctx.io.err(`warning: ${f}`);
      failed ||= r.failures.length > 0;
      ctx.io.out(
        !r.hadToken
          ? `${def.name}: no tokens stored.`
          : r.failures.length
          ? `${def.name}: deleted locally; remote revocation failed.`
          : `${def.name}: revoked.`,
      );
    }
    return failed ? 1 : 0;
  },
};
