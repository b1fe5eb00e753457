/** `mcp-oauth proxy-key`: show or rotate the proxy key. @module */
import { ProxyKeyFile } from "../../store/proxy-key.ts";
import type { Command } from "../command.ts";

export const proxyKey: Command = {
  name: "proxy-key",
  summary: "print (or --rotate) the key MCP clients present to the proxy",
  usage: "proxy-key [--rotate]",
  details: `The proxy at http://127.0.0.1:7777/mcp/<name> (run by "mcp-oauth serve") only
answers clients that send "Authorization: Bearer <proxy key>". The key is random,
kept in the mcp-oauth home (mode 0600) and stable across restarts. --rotate
replaces it at once: clients configured with the old key stop working.

Examples:
  mcp-oauth proxy-key
  mcp-oauth proxy-key --rotate`,
  options: { rotate: { type: "boolean" } },
  positionals: { min: 0, max: 0, names: "" },
  async run(ctx, args) {
    const keys = new ProxyKeyFile(ctx.home);
    ctx.io.out(args.values.rotate ? await keys.rotate() : await keys.get());
    if (args.values.rotate) {
      ctx.io.err("Rotated: give MCP clients the new key (mcp-oauth config NAME --client …).");
    }
    return 0;
  },
};
